/**
 * The reach a sync's reconciliation makes for runs to be billed in full (services/billed-in-full.ts
 * withSettledRuns), before every sync or import reconciliation: a year of syncs on record (one every
 * 4 h, each over its last 5 days) and N finished runs of the last 30 days not billed in full.
 * Baseline in the same run: reading those runs' first day with the same filters on the run row alone
 * (no task, pool or reconciliation looked at), the least such a reach can cost.
 *   node dist/bench/billed-in-full.js [--runs 5000,20000]
 */
// before anything loads graphql-js: the server as it runs (see src/production-mode)
import '../src/production-mode.js';
import { sql } from 'drizzle-orm';
import { withSettledRuns } from '../src/services/billed-in-full.js';
import { PoolService } from '../src/services/pools.js';
import { ProjectService } from '../src/services/projects.js';
import { fmt, medianMs, startBenchApp } from './support.js';

const at = process.argv.indexOf('--runs');
const SIZES = (at > 0 ? process.argv[at + 1] : '5000,20000').split(',').map(Number);
const SYNCS = 6 * 365;
const DAY = 86_400_000;
const D = Math.floor(Date.now() / DAY) * DAY;
const iso = (ms: number) => new Date(ms).toISOString();

const env = await startBenchApp();
try {
  const { db } = env.app.database;
  const org = env.orgId;
  const project = await new ProjectService(db, org).create({ code: 'BENCH', name: 'bench' });
  await new PoolService(db, org).declare({ name: 'nf-d4', region: 'westeurope', vmSize: 'Standard_D4_v3', priority: 'DEDICATED', resourceId: '/subscriptions/b/pools/nf-d4' });
  await db.execute(sql`insert into reconciliations (org_id, window_start, window_end, status, idle_mode, trigger, started_at, finished_at)
    select ${org}, date_trunc('day', t, 'UTC') - interval '96 hours', date_trunc('day', t, 'UTC') + interval '24 hours', 'SUCCEEDED', 'SHARE', 'sync', t, t + interval '10 seconds'
    from generate_series(${iso(D)}::timestamptz - ${SYNCS} * interval '4 hours', ${iso(D)}::timestamptz - interval '4 hours', interval '4 hours') t`);
  console.log(`billed-in-full reach: ${SYNCS.toLocaleString('en')} reconciliations on record; runs of a day, in the last 30 days, not billed in full`);
  const window = { from: new Date(D - 4 * DAY), to: new Date(D + DAY) };
  let made = 0;
  for (const runs of SIZES) {
    await db.execute(sql`insert into runs (org_id, project_id, status, started_at, completed_at, run_name)
      select ${org}, ${project.id}, 'SUCCEEDED', ${iso(D)}::timestamptz - interval '28 days' + (i % 600) * interval '36 minutes',
        ${iso(D)}::timestamptz - interval '27 days' + (i % 600) * interval '36 minutes', 'r' || i
      from generate_series(${made + 1}::int, ${runs}::int) i`);
    await db.execute(sql`insert into tasks (org_id, run_id, task_id, status, started_at, completed_at, pool, source)
      select r.org_id, r.id, 1, 'COMPLETED', r.started_at, r.completed_at, 'nf-d4', 'trace' from runs r
      where r.org_id = ${org} and not exists (select 1 from tasks t where t.org_id = r.org_id and t.run_id = r.id)`);
    made = runs;
    await db.execute(sql`analyze`);
    const reach = await medianMs(() => withSettledRuns(db, org, window, 'SHARE'), 5);
    const floor = await medianMs(() =>
      db.execute(sql`select min(date_trunc('day', started_at, 'UTC')) from runs
        where org_id = ${org} and status = 'SUCCEEDED' and not billed_in_full and started_at < ${iso(window.from.getTime())}::timestamptz
          and started_at >= ${iso(window.from.getTime() - 30 * DAY)}::timestamptz and completed_at < ${iso(window.to.getTime())}::timestamptz`),
      5,
    );
    console.log(`  ${runs.toLocaleString('en').padStart(7)} runs   reach ${fmt(reach)} ms   floor (the run rows alone) ${fmt(floor)} ms   ${fmt(reach / floor)}× the floor`);
  }
} finally {
  await env.close();
}
