import type { GraphQLResolveInfo } from 'graphql';
import { Args, Authorized, Ctx, FieldResolver, Info, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../graphql/context.js';
import { money, PageInfo } from '../schema/common.js';
import { BreakdownKey, CostBreakdownArgs, CostBreakdownConnection, CostBreakdownGroup, CostBreakdownTotal } from '../schema/cost-explorer.js';
import type { BreakdownQuery } from '../services/cost-explorer.js';

@Resolver(() => CostBreakdownConnection)
export class CostExplorerResolver {
  @Authorized()
  @Query(() => CostBreakdownConnection, { description: 'The cost explorer: actual (reconciled bill) and estimated cost by workflow and bill dimensions, per period, with the previous period and per-run / per-sample / per-GB units' })
  async costBreakdown(@Args(() => CostBreakdownArgs) args: CostBreakdownArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    const query: BreakdownQuery = { filter: { ...args.filter }, groupBy: args.groupBy, granularity: args.granularity ?? null, metric: args.metric };
    // asked for by name: the totals run beside the page, on a second connection, instead of after it
    const totals = selects(info, 'totals') ? ctx.org().explorer.totals(query) : undefined;
    totals?.catch(() => undefined);
    const page = await ctx.org().explorer.breakdown(query, args.first, args.after);
    const edges = page.nodes.map((r) => {
      const m = (amount: string | null) => money(amount, r.currency);
      const node = Object.assign(new CostBreakdownGroup(), {
        ...r,
        keys: query.groupBy.map((g, k) => Object.assign(new BreakdownKey(), { dimension: g.dimension, tagKey: g.tagKey ?? null, value: r.keys[k] })),
        actual: m(r.actual), estimate: m(r.estimate), previousActual: m(r.previousActual),
        costPerRun: m(r.costPerRun), costPerSample: m(r.costPerSample), costPerGb: m(r.costPerGb),
      });
      return { cursor: page.cursorOf(r), node };
    });
    return Object.assign(new CostBreakdownConnection(), { edges, pageInfo: Object.assign(new PageInfo(), { hasNextPage: page.hasNextPage, endCursor: page.endCursor }), query, totals });
  }

  @FieldResolver(() => [CostBreakdownTotal], { description: 'Per currency, over the whole filter' })
  async totals(@Root() connection: CostBreakdownConnection, @Ctx() ctx: Context) {
    const totals = await (connection.totals ?? ctx.org().explorer.totals(connection.query));
    return totals.map((t) => Object.assign(new CostBreakdownTotal(), { actual: money(t.actual, t.currency), estimate: money(t.estimate, t.currency), previousActual: money(t.previousActual, t.currency) }));
  }
}

/** Whether the field's own selection names `field` directly (not through a fragment). */
const selects = (info: GraphQLResolveInfo, field: string) =>
  info.fieldNodes.some((node) => node.selectionSet?.selections.some((s) => s.kind === 'Field' && s.name.value === field));
