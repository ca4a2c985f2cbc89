import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../graphql/context.js';
import { AllocationMove, AllocationRule, AllocationRuleInput, AllocationWindowArgs, CostCentreTotal } from '../schema/allocation-rule.js';
import { money } from '../schema/common.js';
import { enqueueCostCentreRollup } from '../jobs/cost-centre-rollup.js';

/** GraphQL's JSON scalar yields null-prototype objects; the driver and validation want plain ones. */
const plain = (input: AllocationRuleInput) => ({ ...input, match: { ...input.match, ...(input.match.tags ? { tags: { ...input.match.tags } } : {}) } });

@Resolver(() => AllocationRule)
export class AllocationRuleResolver {
  @Authorized()
  @Query(() => [AllocationRule], { description: 'Allocation rules in the order they apply' })
  allocationRules(@Ctx() ctx: Context) {
    return ctx.org().allocationRules.list();
  }

  @Authorized('ADMIN')
  @Mutation(() => AllocationRule)
  async createAllocationRule(@Arg('input', () => AllocationRuleInput) input: AllocationRuleInput, @Ctx() ctx: Context) {
    const rule = await ctx.org().allocationRules.create(plain(input));
    await enqueueCostCentreRollup(ctx.boss, ctx.org().orgId);
    return rule;
  }

  @Authorized('ADMIN')
  @Mutation(() => Boolean, { description: 'Its lines return to the next matching rule, or to Unallocated' })
  async deleteAllocationRule(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    const removed = await ctx.org().allocationRules.remove(id);
    await enqueueCostCentreRollup(ctx.boss, ctx.org().orgId);
    return removed;
  }

  @Authorized('ANALYST')
  @Query(() => [AllocationMove], { description: 'What saving this rule would move over the window, without saving it' })
  async dryRunAllocationRule(@Arg('input', () => AllocationRuleInput) input: AllocationRuleInput, @Args(() => AllocationWindowArgs) window: AllocationWindowArgs, @Ctx() ctx: Context) {
    const moves = await ctx.org().allocationRules.dryRun(plain(input), window);
    return moves.map((m) => Object.assign(new AllocationMove(), { ...m, amount: money(m.amount, m.currency)! }));
  }

  @Authorized()
  @Query(() => [CostCentreTotal], { description: "Spend no task explains (lines of resources that are not declared pools), by cost centre" })
  async costCentres(@Args(() => AllocationWindowArgs) window: AllocationWindowArgs, @Ctx() ctx: Context) {
    const totals = await ctx.org().allocationRules.costCentres(window);
    return totals.map((t) => Object.assign(new CostCentreTotal(), { ...t, amount: money(t.amount, t.currency)! }));
  }
}
