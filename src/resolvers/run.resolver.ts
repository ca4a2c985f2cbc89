import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import type { Context } from '../graphql/context.js';
import type { RunRow } from '../db/schema/index.js';
import { Money, money, toConnection } from '../schema/common.js';
import { Pipeline, RegisterRunInput, Run, RunConnection, RunsArgs } from '../schema/run.js';
import { Project } from '../schema/project.js';
import { RunEstimate } from '../schema/estimate.js';
import { ProcessSummary, SampleSummary, TaskConnection, TasksArgs } from '../schema/task.js';
import type { Delivered } from '../events/bus.js';
import { RUN_UPDATED } from '../services/capture/run-events.js';

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
  @Mutation(() => Run, {
    description: 'A LIMS announces a run before launch and gets the id to pass to Nextflow. With a sampleCount, the quote (see `estimate`) is stored as its estimatedCost',
  })
  async registerRun(@Arg('input', () => RegisterRunInput) input: RegisterRunInput, @Ctx() ctx: Context) {
    return ctx.org().registration.register(input, ctx.log);
  }

  @Authorized()
  @Subscription(() => Run, {
    description: "Pushed when the run's status or tasks change, whichever API process captured the change",
    subscribe: async ({ args, context }: SubscribeResolverData<unknown, { runId: string }, Context>) => {
      const org = context.org();
      await org.runs.get(args.runId); // NOT_FOUND for another organization's run, before anything is sent
      return context.events.subscribe(RUN_UPDATED, org.orgId, args.runId);
    },
  })
  runUpdated(@Root() event: Delivered<RunRow>, @Arg('runId', () => ID) _runId: string) {
    return event.load();
  }

  @FieldResolver(() => TaskConnection)
  async tasks(@Root() run: RunRow, @Args(() => TasksArgs) { filter, first, after }: TasksArgs, @Ctx() ctx: Context) {
    return toConnection(await ctx.org().tasks.list(run.id, filter ?? {}, first, after));
  }

  @FieldResolver(() => [ProcessSummary], { description: 'Per process: tasks, cpu-hours, memory requested vs peak' })
  processes(@Root() run: RunRow, @Ctx() ctx: Context) {
    return ctx.org().tasks.processes(run.id);
  }

  @FieldResolver(() => [SampleSummary], { description: 'Per sample (from task tags): tasks and cpu-hours' })
  samples(@Root() run: RunRow, @Ctx() ctx: Context) {
    return ctx.org().tasks.samples(run.id);
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

  @FieldResolver(() => [RunEstimate], { description: 'Estimate history of the run (QUOTE and LIVE), newest first' })
  estimates(@Root() run: RunRow, @Arg('first', () => Int, { defaultValue: 20 }) first: number, @Ctx() ctx: Context) {
    return ctx.org().loaders.runEstimates(first).load(run.id);
  }

  @FieldResolver(() => Money, { nullable: true })
  actualCost(@Root() run: RunRow) {
    return money(run.actualCost, run.currency);
  }
}
