import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../graphql/context.js';
import { toConnection } from '../schema/common.js';
import { CreateProjectInput, Project, ProjectConnection, ProjectsPageArgs } from '../schema/project.js';

@Resolver(() => Project)
export class ProjectResolver {
  @Authorized()
  @Query(() => [Project], {
    description: 'Every project, by code, in one answer',
    deprecationReason: 'unbounded (a LIMS adds a project per study, and this answers them all at once): page with projectsConnection',
  })
  projects(@Ctx() ctx: Context) {
    return ctx.org().projects.list();
  }

  @Authorized()
  @Query(() => ProjectConnection, { description: 'Projects by code, a page at a time' })
  async projectsConnection(@Args(() => ProjectsPageArgs) { first, after }: ProjectsPageArgs, @Ctx() ctx: Context) {
    return toConnection(await ctx.org().projects.page(first, after));
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
