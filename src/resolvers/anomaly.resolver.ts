import { Args, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../graphql/context.js';
import type { AnomalyRow } from '../db/schema/index.js';
import { Money, money, toConnection } from '../schema/common.js';
import { AnomaliesArgs, Anomaly, AnomalyConnection, AnomalyContributorView, AnomalyFeedbackArgs } from '../schema/anomaly.js';

@Resolver(() => Anomaly)
export class AnomalyResolver {
  @Authorized()
  @Query(() => AnomalyConnection, { description: 'Newest day first' })
  async anomalies(@Args(() => AnomaliesArgs) { from, to, dimensions, first, after }: AnomaliesArgs, @Ctx() ctx: Context) {
    return toConnection(await ctx.org().anomalies.list({ from, to, dimensions }, first, after));
  }

  @Authorized('ANALYST')
  @Mutation(() => Anomaly, { description: 'Marks an anomaly expected or not an anomaly; who, when and why are kept' })
  markAnomaly(@Args(() => AnomalyFeedbackArgs) { id, feedback, note }: AnomalyFeedbackArgs, @Ctx() ctx: Context) {
    return ctx.org().anomalies.giveFeedback(id, feedback, ctx.viewer!.principalId, note);
  }

  @FieldResolver(() => Money)
  actual(@Root() a: AnomalyRow) {
    return money(a.actual, a.currency);
  }

  @FieldResolver(() => Money)
  expected(@Root() a: AnomalyRow) {
    return money(a.expected, a.currency);
  }

  @FieldResolver(() => Money)
  impact(@Root() a: AnomalyRow) {
    return money(a.impact, a.currency);
  }

  @FieldResolver(() => [AnomalyContributorView])
  contributors(@Root() a: AnomalyRow): AnomalyContributorView[] {
    return a.contributors.map((c) => ({ ...c, actual: money(c.actual, a.currency)!, expected: money(c.expected, a.currency)!, impact: money(c.impact, a.currency)! }));
  }
}
