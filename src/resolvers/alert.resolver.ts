import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import type { Context } from '../graphql/context.js';
import type { AlertKind, AlertRow, AlertSeverity } from '../db/schema/index.js';
import { toConnection } from '../schema/common.js';
import { Alert, AlertConnection, AlertKindEnum, AlertSeverityEnum, AlertsArgs, BudgetBreach, ResolveAlertArgs } from '../schema/alert.js';
import { BudgetScopeInput } from '../schema/budget.js';
import type { Delivered } from '../events/bus.js';
import { filterEvents } from '../events/filtered.js';
import { ALERT_RAISED, SEVERITY_RANK } from '../services/alerts.js';
import { BUDGET_BREACHED } from '../services/budget-evaluation.js';
import type { BudgetBreachView } from '../services/budget-breach.js';


function principalOf(ctx: Context): string {
  return ctx.viewer!.principalId;
}

@Resolver(() => Alert)
export class AlertResolver {
  @Authorized()
  @Query(() => AlertConnection, { description: 'Oldest first; a listener that reconnects asks for what it missed with since' })
  async alerts(@Args(() => AlertsArgs) { since, kinds, states, first, after }: AlertsArgs, @Ctx() ctx: Context) {
    return toConnection(await ctx.org().alerts.list({ since, kinds, states }, first, after));
  }

  @Authorized()
  @Query(() => Alert, { description: 'NOT_FOUND when no alert of your organization has this id' })
  alert(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.org().alerts.get(id);
  }

  @Authorized()
  @Mutation(() => Alert, { description: 'OPEN → ACKNOWLEDGED, recording who and when; CONFLICT from any other state' })
  acknowledgeAlert(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.org().alerts.acknowledge(id, principalOf(ctx));
  }

  @Authorized()
  @Mutation(() => Alert, { description: 'OPEN or ACKNOWLEDGED → RESOLVED, recording who, when and why; CONFLICT when already resolved' })
  resolveAlert(@Args(() => ResolveAlertArgs) { id, resolution }: ResolveAlertArgs, @Ctx() ctx: Context) {
    return ctx.org().alerts.resolve(id, principalOf(ctx), resolution);
  }

  @Authorized()
  @Subscription(() => Alert, {
    description: 'Every alert your organization raises, from whichever process raised it, and again (same id) when one is escalated to a higher severity; kinds filters, severity is the minimum',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { kinds?: AlertKind[] | null; severity?: AlertSeverity | null }, Context>) => {
      const org = context.org();
      const kinds = args.kinds?.length ? new Set(args.kinds) : null;
      const min = args.severity ? SEVERITY_RANK[args.severity] : 0;
      return filterEvents(context.events.subscribe<AlertRow>(ALERT_RAISED, org.orgId), (a) => (!kinds || kinds.has(a.kind)) && SEVERITY_RANK[a.severity] >= min);
    },
  })
  alertRaised(
    @Root() event: Delivered<AlertRow>,
    @Arg('kinds', () => [AlertKindEnum], { nullable: true }) _kinds?: AlertKind[],
    @Arg('severity', () => AlertSeverityEnum, { nullable: true, description: 'At least this severity' }) _severity?: AlertSeverity,
  ) {
    return event.load();
  }

  @Authorized()
  @Subscription(() => BudgetBreach, {
    description: 'A budget threshold crossed (once per threshold and period); scope narrows it to budgets of that scope, and is checked as createBudget checks it (BAD_USER_INPUT naming the field)',
    subscribe: async ({ args, context }: SubscribeResolverData<unknown, { scope?: BudgetScopeInput | null }, Context>) => {
      const org = context.org();
      const want = args.scope;
      if (want) await org.budgets.checkScope(want);
      return filterEvents(
        context.events.subscribe<BudgetBreachView>(BUDGET_BREACHED, org.orgId),
        (b) =>
          !want ||
          (b.scope.kind === want.kind &&
            (want.projectCode == null || want.projectCode === b.scope.projectCode) &&
            (want.pipeline == null || want.pipeline === b.scope.pipeline) &&
            (want.tagKey == null || want.tagKey === b.scope.tagKey) &&
            (want.tagValue == null || want.tagValue === b.scope.tagValue)),
      );
    },
  })
  budgetBreached(@Root() event: Delivered<BudgetBreachView>, @Arg('scope', () => BudgetScopeInput, { nullable: true }) _scope?: BudgetScopeInput) {
    return event.load();
  }
}
