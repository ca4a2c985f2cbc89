import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../graphql/context.js';
import type { RunRow } from '../db/schema/index.js';
import { Money, money, toConnection } from '../schema/common.js';
import { Pipeline, RegisterRunInput, Run, RunConnection, RunsArgs } from '../schema/run.js';
import { Project } from '../schema/project.js';

@Resolver(() => Run)
export class RunResolver {
  @Authorized()
  @Query(() => RunConnection, { description: 'Newest first' })
  async runs(@Args(() => RunsArgs) { filter, first, after }: RunsArgs, @Ctx() ctx: Context) {
    return toConnection(await ctx.org().runs.list(filter ?? {}, first, after));
  }

  @Authorized()
  @Query(() => Run, { description: 'NOT_FOUND when no run of your organization has this id' })
  run(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.org().runs.get(id);
  }

  @Authorized('ANALYST')
  @Mutation(() => Run, { description: 'A LIMS announces a run before launch and gets the id to pass to Nextflow' })
  registerRun(@Arg('input', () => RegisterRunInput) input: RegisterRunInput, @Ctx() ctx: Context) {
    return ctx.org().runs.register(input);
  }

  @FieldResolver(() => Project, { nullable: true })
  project(@Root() run: RunRow, @Ctx() ctx: Context) {
    return run.projectId ? ctx.org().loaders.project.load(run.projectId) : null;
  }

  @FieldResolver(() => Pipeline, { nullable: true })
  pipeline(@Root() run: RunRow, @Ctx() ctx: Context) {
    return run.pipelineId ? ctx.org().loaders.pipeline.load(run.pipelineId) : null;
  }

  @FieldResolver(() => Money, { nullable: true })
  estimatedCost(@Root() run: RunRow) {
    return money(run.estimatedCost, run.currency);
  }

  @FieldResolver(() => Money, { nullable: true })
  actualCost(@Root() run: RunRow) {
    return money(run.actualCost, run.currency);
  }
}
