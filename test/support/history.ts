import { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../../src/config.js';
import type { Db } from '../../src/db/client.js';
import { importTrace } from '../../src/services/capture/trace-import.js';
import { ProjectService } from '../../src/services/projects.js';
import { RunService } from '../../src/services/runs.js';
import { TRACE_FILES, traceFixture } from '../ingest/nextflow/helpers.js';

export const HISTORY_VM = 'Standard_D4_v3';

/**
 * History built from the three real openproblems traces: three runs of one pipeline, oldest first.
 * The traces come from AWS Batch and name no VM or requested cpus, so every task is put on a
 * Standard_D4_v3 (DEDICATED) with 1 cpu, as a declared pool would label it.
 */
export async function importTraceHistory(db: Db, orgId: string, pipeline = 'openproblems'): Promise<string[]> {
  const settings = loadConfig({}).capture;
  const projects = new ProjectService(db, orgId);
  const code = `HIST-${pipeline.replace(/[^A-Za-z0-9]/g, '')}`;
  await projects.create({ code, name: 'history' }).catch(() => undefined);
  const runIds: string[] = [];
  for (const file of TRACE_FILES) {
    const run = await new RunService(db, orgId, 500).register({ projectCode: code, pipeline, revision: '1.0', sampleCount: 4 });
    await importTrace(db, orgId, Readable.from([traceFixture(file)]), settings, { runId: run.id, fileName: file });
    runIds.push(run.id);
  }
  await db.execute(sql`update tasks set vm_size = ${HISTORY_VM}, priority = 'DEDICATED', cpus = coalesce(cpus, 1) where org_id = ${orgId}`);
  return runIds;
}
