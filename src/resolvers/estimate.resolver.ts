import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../graphql/context.js';
import { enqueueRetrain } from '../jobs/models-retrain.js';
import { builtinRegistry } from '../models/builtins.js';
import { Estimate, EstimateInput, ModelVersion, ModelsArgs, RegisteredModel } from '../schema/estimate.js';
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

  @Authorized('ADMIN')
  @Mutation(() => ID, { description: "Queues a retrain of the organization's models (models.retrain); returns the job id (the already queued one, if any)" })
  retrainModels(@Ctx() ctx: Context) {
    return enqueueRetrain(ctx.boss, ctx.org().orgId);
  }
}
