import { FieldResolver, Resolver, Root } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { RunEstimate } from '../schema/estimate.js';
import { publicFeatures } from '../services/live-estimates.js';

@Resolver(() => RunEstimate)
export class RunEstimateResolver {
  // the description is the field's own (schema/estimate.ts): this only leaves out bookkeeping keys
  @FieldResolver(() => GraphQLJSONObject, { description: 'What the figure was computed from (LIVE: spent, remainder, basis, finishedTasks)' })
  features(@Root() estimate: RunEstimate): Record<string, unknown> {
    return publicFeatures(estimate.features);
  }
}
