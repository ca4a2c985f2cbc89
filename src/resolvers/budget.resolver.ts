import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../graphql/context.js';
import type { BudgetRow } from '../db/schema/index.js';
import { Money, money } from '../schema/common.js';
import { Budget, BudgetForecastView, BudgetScopeView, BudgetSpendView, CreateBudgetInput, UpdateBudgetInput } from '../schema/budget.js';
import type { BudgetUpdate } from '../services/budgets.js';

const AT = {
  nullable: true,
  description: 'Read the budget as it stood at this instant: the period containing it, and its spend up to it (default: now; later than now is refused)',
} as const;

@Resolver(() => Budget)
export class BudgetResolver {
  @Authorized()
  @Query(() => [Budget], { description: 'By name' })
  budgets(@Ctx() ctx: Context) {
    return ctx.org().budgets.list();
  }

  @Authorized()
  @Query(() => Budget, { description: 'NOT_FOUND when no budget of your organization has this id' })
  budget(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.org().budgets.get(id);
  }

  @Authorized('ANALYST')
  @Mutation(() => Budget)
  // validate: false: the service checks the input and answers every invalid field at once (schema/budget.ts)
  createBudget(@Arg('input', () => CreateBudgetInput, { validate: false }) input: CreateBudgetInput, @Ctx() ctx: Context) {
    return ctx.org().budgets.create(input);
  }

  @Authorized('ANALYST')
  @Mutation(() => Budget)
  updateBudget(@Arg('id', () => ID) id: string, @Arg('input', () => UpdateBudgetInput, { validate: false }) input: UpdateBudgetInput, @Ctx() ctx: Context) {
    // GraphQL null means "not given" here: no budget field can be cleared
    const patch = Object.fromEntries(Object.entries(input).filter(([, v]) => v != null)) as BudgetUpdate;
    return ctx.org().budgets.update(id, patch);
  }

  @Authorized('ANALYST')
  @Mutation(() => ID, { description: 'Returns the deleted id; alerts it raised stay' })
  async deleteBudget(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    await ctx.org().budgets.delete(id);
    return id;
  }

  @FieldResolver(() => BudgetScopeView)
  async scope(@Root() budget: BudgetRow, @Ctx() ctx: Context): Promise<BudgetScopeView> {
    const projectCode = budget.projectId ? ((await ctx.org().loaders.project.load(budget.projectId))?.code ?? null) : null;
    return { kind: budget.scope, projectCode, pipeline: budget.pipelineName, tagKey: budget.tagKey, tagValue: budget.tagValue };
  }

  @FieldResolver(() => Money)
  amount(@Root() budget: BudgetRow) {
    return money(budget.amount, budget.currency);
  }

  @FieldResolver(() => BudgetSpendView)
  async spend(@Root() budget: BudgetRow, @Arg('at', () => Date, AT) at: Date | null | undefined, @Ctx() ctx: Context): Promise<BudgetSpendView> {
    const s = await ctx.org().budgets.spend(budget, at);
    return {
      periodStart: s.period.start,
      periodEnd: s.period.end,
      billed: money(s.billed, s.currency)!,
      committed: money(s.committed, s.currency)!,
      total: money(s.total, s.currency)!,
      percentUsed: s.percentUsed,
    };
  }

  @FieldResolver(() => BudgetForecastView)
  async forecast(@Root() budget: BudgetRow, @Arg('at', () => Date, AT) at: Date | null | undefined, @Ctx() ctx: Context): Promise<BudgetForecastView> {
    const f = await ctx.org().budgets.forecast(budget, at);
    return { ...f, value: money(f.value, budget.currency)!, low: money(f.low, budget.currency)!, high: money(f.high, budget.currency)! };
  }
}
