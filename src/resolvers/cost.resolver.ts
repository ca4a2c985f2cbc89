import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { ImportRow } from '../db/schema/index.js';
import type { Context } from '../graphql/context.js';
import { money, PageInfo, toConnection } from '../schema/common.js';
import {
  CostGroup,
  CostGroupConnection,
  CostImport,
  CostImportReplaced,
  CostImportConnection,
  CostImportRejectConnection,
  CostImportReport,
  CostImportWarning,
  CostPageArgs,
  CostsArgs,
  CostTotal,
} from '../schema/cost.js';
import type { CurrencyTotal } from '../services/cost-loader.js';
import { storedReport } from '../services/cost-import.js';
import type { CostFilter, CostGroupRow } from '../services/costs.js';

const costTotal = (t: CurrencyTotal) => Object.assign(new CostTotal(), { amount: money(t.amount, t.currency)!, rows: t.rows });

@Resolver(() => CostGroupConnection)
export class CostResolver {
  @Authorized()
  @Query(() => CostGroupConnection, { description: 'Billed cost grouped by the dimensions asked and by currency, ordered by the group keys' })
  async costs(@Args(() => CostsArgs) { filter, groupBy, first, after }: CostsArgs, @Ctx() ctx: Context) {
    const costFilter: CostFilter = { ...(filter ?? {}) };
    const page = await ctx.org().costs.groups(costFilter, groupBy, first, after);
    const toNode = (g: CostGroupRow) => Object.assign(new CostGroup(), { keys: g.keys, amount: money(g.amount, g.currency)!, rows: g.rows });
    return Object.assign(new CostGroupConnection(), {
      edges: page.nodes.map((g) => ({ cursor: page.cursorOf(g), node: toNode(g) })),
      pageInfo: Object.assign(new PageInfo(), { hasNextPage: page.hasNextPage, endCursor: page.endCursor }),
      filter: costFilter,
    });
  }

  @FieldResolver(() => [CostTotal])
  async totals(@Root() connection: CostGroupConnection, @Ctx() ctx: Context) {
    return (await ctx.org().costs.totals(connection.filter)).map(costTotal);
  }
}

@Resolver(() => CostImport)
export class CostImportResolver {
  @Authorized()
  @Query(() => CostImportConnection, { description: 'Cost file imports, newest first' })
  async costImports(@Args(() => CostPageArgs) { first, after }: CostPageArgs, @Ctx() ctx: Context) {
    return toConnection(await ctx.org().costImports.list(first, after));
  }

  @Authorized()
  @Query(() => CostImport, { description: 'NOT_FOUND when no cost import of your organization has this id' })
  costImport(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.org().costImports.get(id);
  }

  @FieldResolver(() => CostImportReport, { nullable: true })
  report(@Root() row: ImportRow): CostImportReport | null {
    const r = storedReport(row);
    if (!r) return null;
    return Object.assign(new CostImportReport(), {
      format: r.format,
      variant: r.variant,
      rowsRead: r.rowsRead,
      rowsLoaded: r.rowsLoaded,
      rowsUnchanged: r.rowsUnchanged,
      rowsQuarantined: r.rowsRejected,
      totals: r.totals.map(costTotal),
      periodStart: r.periodStart ? new Date(r.periodStart) : null,
      periodEnd: r.periodEnd ? new Date(r.periodEnd) : null,
      replaced: r.replaced
        ? Object.assign(new CostImportReplaced(), {
            rows: r.replaced.rows,
            totals: r.replaced.totals.map(costTotal),
            syncedRows: r.replaced.synced.rows,
            syncedTotals: r.replaced.synced.totals.map(costTotal),
            from: r.replaced.from ? new Date(r.replaced.from) : null,
            to: r.replaced.to ? new Date(r.replaced.to) : null,
          })
        : null,
      costBasis: r.costBasis,
      warnings: r.warnings.map((w) => Object.assign(new CostImportWarning(), w)),
    });
  }

  @FieldResolver(() => CostImportRejectConnection)
  async rejects(@Root() row: ImportRow, @Args(() => CostPageArgs) { first, after }: CostPageArgs, @Ctx() ctx: Context) {
    return toConnection(await ctx.org().costImports.rejects(row.id, first, after));
  }
}
