import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../graphql/context.js';
import { CreateProjectInput, Project } from '../schema/project.js';

@Resolver(() => Project)
export class ProjectResolver {
  @Authorized()
  @Query(() => [Project])
  projects(@Ctx() ctx: Context) {
    return ctx.org().projects.list();
  }

  @Authorized()
  @Query(() => Project, { description: 'NOT_FOUND when no project of your organization has this code' })
  project(@Arg('code', () => String) code: string, @Ctx() ctx: Context) {
    return ctx.org().projects.byCode(code);
  }

  @Authorized('ADMIN')
  @Mutation(() => Project)
  createProject(@Arg('input', () => CreateProjectInput) input: CreateProjectInput, @Ctx() ctx: Context) {
    return ctx.org().projects.create(input);
  }
}
