import { and, asc, eq, gt, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { tasks, type TaskRow } from '../db/schema/index.js';
import { INT4_MAX } from '../db/schema/columns.js';
import type { TaskStatus } from '../ingest/nextflow/index.js';
import { badInput } from '../errors.js';
import { checkPageSize, decodeCursor, isCursorInt, toPage, type Page } from './pagination.js';
import { taskRan } from './task-times.js';

export interface TaskFilter {
  status?: TaskStatus[] | null;
  process?: string | null;
  sample?: string | null;
}

export interface ProcessSummary {
  name: string;
  tasks: number;
  completed: number;
  /** Taken from an earlier run by `-resume`: not run, so not in the hours. */
  cached: number;
  failed: number;
  cpuHours: number;
  realtimeHours: number;
  /** Largest request / peak seen, bytes: what rightsizing compares. */
  requestedMemoryBytes: number | null;
  peakRssBytes: number | null;
  meanCpuPercent: number | null;
}

export interface SampleSummary {
  sample: string;
  tasks: number;
  cpuHours: number;
  realtimeHours: number;
}

// Hours this run used (not a CACHED task's: its row repeats the original run's realtime).
// cpu-hours = wall time × cpus requested (1 when the trace does not say), the basis cost is split on
const RAN_NOW = taskRan(tasks);
const CPU_HOURS = sql<number>`coalesce(sum(${tasks.realtimeMs}::float8 * coalesce(${tasks.cpus}, 1)) filter (where ${RAN_NOW}) / 3.6e6, 0)`;
const REALTIME_HOURS = sql<number>`coalesce(sum(${tasks.realtimeMs}) filter (where ${RAN_NOW})::float8 / 3.6e6, 0)`;

/** Tasks of the organization's runs. Callers check the run belongs to the organization first (RunService.get). */
export class TaskService {
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
    private readonly maxPageSize: number,
  ) {}

  private readonly ofRun = (runId: string) => and(eq(tasks.orgId, this.orgId), eq(tasks.runId, runId));

  async list(runId: string, filter: TaskFilter, first: number, after?: string | null): Promise<Page<TaskRow>> {
    checkPageSize(first, this.maxPageSize);
    const conditions: (SQL | undefined)[] = [this.ofRun(runId)];
    if (filter.status?.length) conditions.push(inArray(tasks.status, filter.status));
    if (filter.process) conditions.push(eq(tasks.process, filter.process));
    if (filter.sample) conditions.push(eq(tasks.sample, filter.sample));
    if (after) {
      const [taskId, attempt] = decodeCursor(after, 'tasks', 2);
      // task_id and attempt are int4 columns: 1.5 or 1e300 would fail in Postgres, not here
      if (!isCursorInt(taskId, 0, INT4_MAX) || !isCursorInt(attempt, 1, INT4_MAX)) throw badInput('after', 'is not a cursor this API returned');
      conditions.push(or(gt(tasks.taskId, taskId), and(eq(tasks.taskId, taskId), gt(tasks.attempt, attempt))));
    }
    const rows = await this.db
      .select()
      .from(tasks)
      .where(and(...conditions))
      .orderBy(asc(tasks.taskId), asc(tasks.attempt))
      .limit(first + 1);
    // task_id alone orders a run's tasks (it is unique there); the attempt only keeps the cursor's shape
    return toPage(rows, first, 'tasks', (t) => [t.taskId, t.attempt ?? 1]);
  }

  async processes(runId: string): Promise<ProcessSummary[]> {
    const rows = await this.db
      .select({
        name: sql<string>`coalesce(${tasks.process}, '(unknown)')`,
        tasks: sql<number>`count(*)::int`,
        completed: sql<number>`(count(*) filter (where ${tasks.status} = 'COMPLETED'))::int`,
        cached: sql<number>`(count(*) filter (where ${tasks.status} = 'CACHED'))::int`,
        failed: sql<number>`(count(*) filter (where ${tasks.status} in ('FAILED', 'ABORTED')))::int`,
        cpuHours: CPU_HOURS,
        realtimeHours: REALTIME_HOURS,
        requestedMemoryBytes: sql<number | null>`max(${tasks.memoryBytes})::float8`,
        peakRssBytes: sql<number | null>`max(${tasks.peakRss})::float8`,
        meanCpuPercent: sql<number | null>`avg(${tasks.pcpu})`,
      })
      .from(tasks)
      .where(this.ofRun(runId))
      .groupBy(sql`1`)
      .orderBy(sql`1`);
    return rows.map((r) => ({ ...r, cpuHours: Number(r.cpuHours), realtimeHours: Number(r.realtimeHours), requestedMemoryBytes: num(r.requestedMemoryBytes), peakRssBytes: num(r.peakRssBytes), meanCpuPercent: num(r.meanCpuPercent) }));
  }

  async samples(runId: string): Promise<SampleSummary[]> {
    const rows = await this.db
      .select({ sample: sql<string>`${tasks.sample}`, tasks: sql<number>`count(*)::int`, cpuHours: CPU_HOURS, realtimeHours: REALTIME_HOURS })
      .from(tasks)
      .where(and(this.ofRun(runId), sql`${tasks.sample} is not null`))
      .groupBy(tasks.sample)
      .orderBy(tasks.sample);
    return rows.map((r) => ({ ...r, cpuHours: Number(r.cpuHours), realtimeHours: Number(r.realtimeHours) }));
  }
}

const num = (v: unknown) => (v == null ? null : Number(v));
