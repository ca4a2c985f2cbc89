/**
 * How a pipeline's past quotes compared with the bill: for each of its finished runs billed in full
 * (billed-in-full.ts: a partial bill would make every quote look high), its newest QUOTE against
 * its actual cost (the errors reconciliation recorded, estimate_errors), and the run-level figure
 * that quote carried (`features.runModel`), where it had one in the same currency. A lab reads it
 * next to a new quote: the models' holdout metrics say how they predict tasks or runs, this says how
 * far the quotes it was given landed from what it paid, idle and overheads included.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { billedInFull } from './history.js';

export interface QuoteTrackRecord {
  /** Runs of the pipeline billed in full with a quote in this currency. */
  runs: number;
  /** Mean |quote − actual| / actual (runs with a zero actual left out); null without runs. */
  mape: number | null;
  /** Σquote / Σactual − 1. */
  bias: number | null;
  /** Of those, runs whose quote carried a run-level figure in the same currency. */
  runModelRuns: number;
  runModelMape: number | null;
  runModelBias: number | null;
}

interface Row {
  runs: number;
  mape: string | null;
  bias: string | null;
  rm_runs: number;
  rm_mape: string | null;
  rm_bias: string | null;
}

const num = (v: string | null) => (v === null ? null : Number(v));

export async function quoteTrackRecord(db: Db, orgId: string, pipeline: string, currency: string): Promise<QuoteTrackRecord> {
  // by the pipeline recorded with each error (every reconciliation of the run refreshes it): the
  // (org, pipeline) index finds them without reading the organization's other errors, on every quote
  const [r] = (await db.execute(sql`
    with latest as (
      select distinct on (ee.run_id) ee.estimated, ee.actual, ee.error_ratio,
             case when e.features -> 'runModel' ->> 'currency' = ee.currency then (e.features -> 'runModel' ->> 'value')::numeric end as run_model
      from estimate_errors ee
      join estimates e on e.org_id = ee.org_id and e.id = ee.estimate_id
      join runs r on r.org_id = ee.org_id and r.id = ee.run_id
      where ee.org_id = ${orgId} and ee.kind = 'QUOTE' and ee.currency = ${currency}
        and ee.pipeline_id in (select pl.id from pipelines pl where pl.org_id = ${orgId} and pl.name = ${pipeline})
        and ${billedInFull()}
      order by ee.run_id, e.created_at desc, e.id desc)
    select count(*)::int as runs,
           avg(abs(error_ratio))::text as mape,
           (sum(estimated) / nullif(sum(actual), 0) - 1)::text as bias,
           count(run_model)::int as rm_runs,
           avg(abs(run_model - actual) / nullif(actual, 0))::text as rm_mape,
           (sum(run_model) / nullif(sum(actual) filter (where run_model is not null), 0) - 1)::text as rm_bias
    from latest`)) as unknown as Row[];
  return {
    runs: r.runs, mape: num(r.mape), bias: num(r.bias),
    runModelRuns: r.rm_runs, runModelMape: num(r.rm_mape), runModelBias: num(r.rm_bias),
  };
}
