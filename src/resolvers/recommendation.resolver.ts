import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RecommendationRow, RecommendationStatus } from '../db/schema/index.js';
import type { Context } from '../graphql/context.js';
import { Money, money, toConnection } from '../schema/common.js';
import { Recommendation, RecommendationConnection, RecommendationRefresh, RecommendationsArgs, RecommendationStatusEnum } from '../schema/recommendation.js';

@Resolver(() => Recommendation)
export class RecommendationResolver {
  @Authorized()
  @Query(() => RecommendationConnection, { description: 'Savings recommendations, biggest monthly saving first' })
  async recommendations(@Args(() => RecommendationsArgs) { status, kind, first, after }: RecommendationsArgs, @Ctx() ctx: Context) {
    return toConnection(await ctx.org().recommendations.list({ status, kind }, first, after));
  }

  @Authorized('ANALYST')
  @Mutation(() => Recommendation, { description: 'Accept or dismiss a recommendation (or reopen it)' })
  setRecommendationStatus(@Arg('id', () => ID) id: string, @Arg('status', () => RecommendationStatusEnum) status: RecommendationStatus, @Ctx() ctx: Context) {
    return ctx.org().recommendations.setStatus(id, status, ctx.viewer!.principalId);
  }

  @Authorized('ADMIN')
  @Mutation(() => RecommendationRefresh, { description: 'Recomputes recommendations now (a job also does it daily)' })
  async refreshRecommendations(@Ctx() ctx: Context) {
    return Object.assign(new RecommendationRefresh(), await ctx.org().recommendations.refresh(ctx.config.recommendations));
  }

  @FieldResolver(() => Money, { nullable: true })
  monthlySaving(@Root() row: RecommendationRow) {
    return row.currency ? money(row.monthlySaving, row.currency.trim()) : null;
  }
}
