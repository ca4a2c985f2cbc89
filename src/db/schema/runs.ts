import { sql } from 'drizzle-orm';
import {
  bigint, boolean, doublePrecision, foreignKey, index, integer, jsonb, numeric, char, pgEnum, pgTable, primaryKey, text, uniqueIndex, uuid,
} from 'drizzle-orm/pg-core';
import { orgId, timestamps, tstz, uuidPk } from './columns.js';
import { organizations } from './organizations.js';
import { pipelines, projects } from './projects.js';

export const runStatusEnum = pgEnum('run_status', ['REGISTERED', 'RUNNING', 'SUCCEEDED', 'FAILED']);
export const taskStatusEnum = pgEnum('task_status', ['NEW', 'SUBMITTED', 'RUNNING', 'COMPLETED', 'FAILED', 'ABORTED', 'CACHED']);
export const vmPriorityEnum = pgEnum('vm_priority', ['DEDICATED', 'LOW_PRIORITY', 'SPOT']);

const big = (name: string) => bigint(name, { mode: 'number' });

/** One workflow execution. Natural key: Nextflow's session id (+ run name). */
export const runs = pgTable(
  'runs',
  {
    orgId: orgId(),
    id: uuidPk(),
    projectId: uuid('project_id'),
    pipelineId: uuid('pipeline_id'),
    sessionId: text('session_id'),
    runName: text('run_name'),
    status: runStatusEnum('status').notNull().default('REGISTERED'),
    submittedAt: tstz('submitted_at'),
    startedAt: tstz('started_at'),
    completedAt: tstz('completed_at'),
    params: jsonb('params').$type<Record<string, unknown>>().notNull().default({}),
    labels: jsonb('labels').$type<Record<string, string>>().notNull().default({}),
    sampleCount: integer('sample_count'),
    inputBytes: big('input_bytes'),
    executor: text('executor'),
    region: text('region'),
    /** The pricing tier the LIMS said the run will use; null when not said (live re-pricing then takes its tasks'). */
    priority: vmPriorityEnum('priority'),
    commandLine: text('command_line'),
    nextflowVersion: text('nextflow_version'),
    errorMessage: text('error_message'),
    /** The current estimate (the history lives in `estimates`). */
    estimatedCost: numeric('estimated_cost'),
    /** Reconciled from the bill. */
    actualCost: numeric('actual_cost'),
    /**
     * Its actual cost is its whole bill, as the last reconciliation that touched its days decided
     * (services/billed-in-full.ts): what run-level models and the quote's track record may trust.
     */
    billedInFull: boolean('billed_in_full').notNull().default(false),
    currency: char('currency', { length: 3 }).notNull().default('USD'),
    taskCount: integer('task_count').notNull().default(0),
    ...timestamps,
  },
  (t) => [
    primaryKey({ name: 'runs_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'runs_org_fk', columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete('cascade'),
    foreignKey({ name: 'runs_project_fk', columns: [t.orgId, t.projectId], foreignColumns: [projects.orgId, projects.id] }).onDelete('restrict'),
    foreignKey({ name: 'runs_pipeline_fk', columns: [t.orgId, t.pipelineId], foreignColumns: [pipelines.orgId, pipelines.id] }).onDelete('restrict'),
    uniqueIndex('runs_org_session_key').on(t.orgId, t.sessionId, t.runName).where(sql`${t.sessionId} is not null`),
    // keyset pagination: newest first
    index('runs_org_created_idx').on(t.orgId, t.createdAt.desc(), t.id.desc()),
    index('runs_org_project_idx').on(t.orgId, t.projectId),
    index('runs_org_pipeline_idx').on(t.orgId, t.pipelineId),
    index('runs_labels_idx').using('gin', t.labels),
  ],
);

/**
 * One Nextflow task. Natural key `(run, task_id)`: Nextflow gives every retry a new task_id, so a task_id
 * is one attempt and is unique within its run.
 */
export const tasks = pgTable(
  'tasks',
  {
    orgId: orgId(),
    id: bigint('id', { mode: 'number' }).generatedAlwaysAsIdentity(),
    runId: uuid('run_id').notNull(),
    taskId: integer('task_id').notNull(),
    /**
     * Which attempt of its process and tag this task was (1 = first try). Null when no source said: Nextflow's
     * default trace fields lack `attempt`, and a made-up 1 would hide the weblog's 2 when the two merge.
     */
    attempt: integer('attempt'),
    hash: text('hash'),
    nativeId: text('native_id'),
    process: text('process'),
    module: text('module'),
    container: text('container'),
    tag: text('tag'),
    /** Sample identifier extracted from `tag`. */
    sample: text('sample'),
    name: text('name'),
    status: taskStatusEnum('status'),
    exitCode: integer('exit_code'),
    submittedAt: tstz('submitted_at'),
    startedAt: tstz('started_at'),
    completedAt: tstz('completed_at'),
    durationMs: big('duration_ms'),
    realtimeMs: big('realtime_ms'),
    pcpu: doublePrecision('pcpu'),
    pmem: doublePrecision('pmem'),
    rss: big('rss'),
    vmem: big('vmem'),
    peakRss: big('peak_rss'),
    peakVmem: big('peak_vmem'),
    rchar: big('rchar'),
    wchar: big('wchar'),
    syscr: big('syscr'),
    syscw: big('syscw'),
    readBytes: big('read_bytes'),
    writeBytes: big('write_bytes'),
    cpus: integer('cpus'),
    memoryBytes: big('memory_bytes'),
    diskBytes: big('disk_bytes'),
    timeMs: big('time_ms'),
    workdir: text('workdir'),
    scratch: text('scratch'),
    queue: text('queue'),
    errorAction: text('error_action'),
    volCtxt: big('vol_ctxt'),
    invCtxt: big('inv_ctxt'),
    hostname: text('hostname'),
    cpuModel: text('cpu_model'),
    /** Azure Batch pool / node and the VM it ran on, from the org's declared pools. */
    pool: text('pool'),
    node: text('node'),
    vmSize: text('vm_size'),
    priority: vmPriorityEnum('priority'),
    source: text('source').$type<'trace' | 'weblog'>().notNull(),
    ...timestamps,
  },
  (t) => [
    primaryKey({ name: 'tasks_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'tasks_run_fk', columns: [t.orgId, t.runId], foreignColumns: [runs.orgId, runs.id] }).onDelete('cascade'),
    uniqueIndex('tasks_org_run_task_key').on(t.orgId, t.runId, t.taskId),
    index('tasks_org_run_process_idx').on(t.orgId, t.runId, t.process),
    index('tasks_org_pool_start_idx').on(t.orgId, t.pool, t.startedAt),
  ],
);

export type RunRow = typeof runs.$inferSelect;
export type TaskRow = typeof tasks.$inferSelect;
export type RunStatus = (typeof runStatusEnum.enumValues)[number];
export type VmPriority = (typeof vmPriorityEnum.enumValues)[number];
