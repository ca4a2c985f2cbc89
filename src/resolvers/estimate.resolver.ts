import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import type { EstimateRow } from '../db/schema/index.js';
import type { Delivered } from '../events/bus.js';
import { ESTIMATE_UPDATED } from '../services/live-estimates.js';
import type { Context } from '../graphql/context.js';
import { enqueueRetrain } from '../jobs/models-retrain.js';
import { builtinRegistry } from '../models/builtins.js';
import { Estimate, EstimateInput, ModelVersion, ModelsArgs, RegisteredModel, RunEstimate } from '../schema/estimate.js';
import { toEstimate } from '../schema/estimate-mapping.js';

const BUILTIN_NAMES = new Set(builtinRegistry().list().map((m) => m.name));

@Resolver()
export class EstimateResolver {
  @Authorized()
  @Query(() => Estimate, { description: 'A quote before launch: the champion model of the pipeline when there is one, else the price-sheet rule (basis says which)' })
  async estimate(@Arg('input', () => EstimateInput) input: EstimateInput, @Ctx() ctx: Context) {
    return toEstimate(await ctx.org().estimates.quote(input));
  }

  @Authorized()
  @Query(() => [RegisteredModel], { description: 'Models the server can train and use: built-ins and GCT_MODEL_MODULES' })
  registeredModels(@Ctx() ctx: Context): RegisteredModel[] {
    ctx.org();
    return ctx.models.list().map((m) => ({ name: m.name, version: m.version, target: m.target, builtin: BUILTIN_NAMES.has(m.name) }));
  }

  @Authorized()
  @Query(() => [ModelVersion], { description: 'Trained model versions with their holdout metrics, newest first' })
  models(@Args(() => ModelsArgs) { filter, first }: ModelsArgs, @Ctx() ctx: Context) {
    return ctx.org().models.list(filter ?? {}, first);
  }

  @Authorized()
  @Subscription(() => RunEstimate, {
    nullable: true,
    description: "Pushed when the run's live estimate changes (at most once a second per run), whichever process computed it",
    subscribe: async ({ args, context }: SubscribeResolverData<unknown, { runId: string }, Context>) => {
      const org = context.org();
      await org.runs.get(args.runId); // NOT_FOUND for another organization's run, before anything is sent
      return context.events.subscribe(ESTIMATE_UPDATED, org.orgId, args.runId);
    },
  })
  estimateUpdated(@Root() event: Delivered<EstimateRow | null>, @Arg('runId', () => ID) _runId: string) {
    return event.load();
  }

  @Authorized('ADMIN')
  @Mutation(() => ID, { description: "Queues a retrain of the organization's models (models.retrain); returns the job id (the already queued one, if any)" })
  retrainModels(@Ctx() ctx: Context) {
    return enqueueRetrain(ctx.boss, ctx.org().orgId);
  }
}
