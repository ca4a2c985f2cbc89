import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../graphql/context.js';
import { AllocationMove, AllocationRule, AllocationRuleInput, AllocationWindowArgs, CostCentreTotal } from '../schema/allocation-rule.js';
import { money } from '../schema/common.js';

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
  createAllocationRule(@Arg('input', () => AllocationRuleInput) input: AllocationRuleInput, @Ctx() ctx: Context) {
    return ctx.org().allocationRules.create(plain(input));
  }

  @Authorized('ADMIN')
  @Mutation(() => Boolean, { description: 'Its lines return to the next matching rule, or to Unallocated' })
  deleteAllocationRule(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.org().allocationRules.remove(id);
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
