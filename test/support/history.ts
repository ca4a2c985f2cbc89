import { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { loadConfig, type EstimationSettings } from '../../src/config.js';
import type { Db } from '../../src/db/client.js';
import { ModelRegistry, type EstimationModel } from '../../src/models/index.js';
import { importTrace } from '../../src/services/capture/trace-import.js';
import { ModelService } from '../../src/services/model-versions.js';
import { createOrganization } from '../../src/services/organizations.js';
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

/** A new organization `slug` holding the trace history above; its id. */
export async function orgWithHistory(db: Db, slug: string): Promise<string> {
  const orgId = (await createOrganization(db, { name: slug, slug })).organization.id;
  await importTraceHistory(db, orgId);
  return orgId;
}

/** The model service of `orgId` with exactly these models registered. */
export function modelServiceWith(db: Db, orgId: string, models: readonly EstimationModel<unknown>[], settings: EstimationSettings = loadConfig({}).estimation): ModelService {
  const registry = new ModelRegistry();
  for (const m of models) registry.register(m);
  return new ModelService(db, orgId, registry, settings);
}
