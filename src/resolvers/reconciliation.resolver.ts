import { Arg, Args, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { EstimateErrorRow, ReconciliationRow, RunRow } from '../db/schema/index.js';
import type { Context } from '../graphql/context.js';
import { money, toConnection } from '../schema/common.js';
import {
  CostPart, EstimateAccuracy, EstimateError, EstimateErrorConnection, EstimateErrorFilterInput, EstimateErrorsArgs, ReconcileRequest,
  Reconciliation, ReconciliationConnection, ReconciliationsArgs, ReconciliationTotal, RunCostBreakdown,
} from '../schema/reconciliation.js';
import { Run } from '../schema/run.js';
import type { CostPart as CostPartRow, EstimateAccuracyRow, RunCostTotals } from '../services/reconciliations.js';

const toPart = (p: CostPartRow) => Object.assign(new CostPart(), { name: p.name, tasks: money(p.tasks, p.currency), idleShare: money(p.idle, p.currency), total: money(p.total, p.currency) });

@Resolver(() => Reconciliation)
export class ReconciliationResolver {
  @Authorized()
  @Query(() => ReconciliationConnection, { description: 'Reconciliations of the bill, newest first' })
  async reconciliations(@Args(() => ReconciliationsArgs) { first, after }: ReconciliationsArgs, @Ctx() ctx: Context) {
    return toConnection(await ctx.org().reconciliations.list(first, after));
  }

  @Authorized('ADMIN')
  @Mutation(() => ReconcileRequest, { description: 'Queues a reconciliation of the bill lines whose charge period starts in [from, to) (at most 366 days); re-running a window replaces it' })
  async reconcileCosts(@Arg('from', () => Date) from: Date, @Arg('to', () => Date) to: Date, @Ctx() ctx: Context): Promise<ReconcileRequest> {
    const jobId = await ctx.org().reconciliations.request({ from, to });
    return Object.assign(new ReconcileRequest(), { jobId });
  }

  @FieldResolver(() => [ReconciliationTotal])
  totals(@Root() r: ReconciliationRow): ReconciliationTotal[] {
    return r.totals.map((t) =>
      Object.assign(new ReconciliationTotal(), {
        currency: t.currency,
        cost: money(t.cost, t.currency),
        tasks: money(t.tasks, t.currency),
        idle: money(t.idle, t.currency),
        unallocated: money(t.unallocated, t.currency),
      }),
    );
  }
}

@Resolver(() => Run)
export class RunCostResolver {
  @FieldResolver(() => [RunCostBreakdown], {
    description: 'The actual cost from the reconciled bill, per currency (normally one; empty before the bill is reconciled)',
  })
  async costBreakdown(@Root() run: RunRow, @Ctx() ctx: Context): Promise<RunCostBreakdown[]> {
    const rows: RunCostTotals[] = await ctx.org().loaders.runCosts.load(run.id);
    return rows.map((r) =>
      Object.assign(new RunCostBreakdown(), { runId: r.runId, currency: r.currency, tasks: money(r.tasks, r.currency), idleShare: money(r.idle, r.currency), total: money(r.total, r.currency) }),
    );
  }
}

@Resolver(() => RunCostBreakdown)
export class RunCostBreakdownResolver {
  @FieldResolver(() => [CostPart], { description: 'Per sample (from task tags), largest first' })
  async samples(@Root() b: RunCostBreakdown, @Ctx() ctx: Context): Promise<CostPart[]> {
    return (await ctx.org().reconciliations.runParts(b.runId, 'sample')).filter((p) => p.currency === b.currency).map(toPart);
  }

  @FieldResolver(() => [CostPart], { description: 'Per process, largest first' })
  async processes(@Root() b: RunCostBreakdown, @Ctx() ctx: Context): Promise<CostPart[]> {
    return (await ctx.org().reconciliations.runParts(b.runId, 'process')).filter((p) => p.currency === b.currency).map(toPart);
  }
}

@Resolver(() => EstimateError)
export class EstimateErrorResolver {
  @Authorized()
  @Query(() => EstimateErrorConnection, { description: 'Stored run estimates against reconciled actual costs, most recently updated first' })
  async estimateErrors(@Args(() => EstimateErrorsArgs) { filter, first, after }: EstimateErrorsArgs, @Ctx() ctx: Context) {
    return toConnection(await ctx.org().reconciliations.estimateErrors(filter ?? {}, first, after));
  }

  @Authorized()
  @Query(() => [EstimateAccuracy], { description: 'Estimate error per pipeline, estimate kind and model version' })
  async estimateAccuracy(@Arg('filter', () => EstimateErrorFilterInput, { nullable: true }) filter: EstimateErrorFilterInput | null, @Ctx() ctx: Context) {
    const rows: EstimateAccuracyRow[] = await ctx.org().reconciliations.accuracy({ pipeline: filter?.pipeline, modelName: filter?.modelName });
    return rows.map((r) => Object.assign(new EstimateAccuracy(), r));
  }

  @FieldResolver()
  pipeline(@Root() e: EstimateErrorRow, @Ctx() ctx: Context) {
    return e.pipelineId ? ctx.org().loaders.pipeline.load(e.pipelineId) : null;
  }

  @FieldResolver()
  estimatedCost(@Root() e: EstimateErrorRow) {
    return money(e.estimated, e.currency.trim());
  }

  @FieldResolver()
  actualCost(@Root() e: EstimateErrorRow) {
    return money(e.actual, e.currency.trim());
  }
}

@Resolver(() => EstimateAccuracy)
export class EstimateAccuracyResolver {
  @FieldResolver()
  pipeline(@Root() a: EstimateAccuracyRow, @Ctx() ctx: Context) {
    return a.pipelineId ? ctx.org().loaders.pipeline.load(a.pipelineId) : null;
  }
}
