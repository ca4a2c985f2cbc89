/**
 * One Nextflow task, normalised the same way whether it came from a trace file line or a
 * weblog `trace` object. Units are fixed so consumers never re-parse: times in milliseconds,
 * sizes in bytes, percentages as plain numbers (98.5 means 98.5 %), instants as UTC `Date`s.
 *
 * Every field except `taskId` is null when the source lacks it: trace files carry any subset
 * of columns (`trace.fields`), and Nextflow writes `-` for values it does not know.
 */
export interface TaskRecord {
  /** Nextflow's per-run task number; a row without one is rejected, never guessed. */
  taskId: number;
  /** Work-directory hash prefix as Nextflow prints it, e.g. `09/f496c9`. */
  hash: string | null;
  /** Executor job id: AWS Batch job UUID, Slurm job id, local PID... always a string. */
  nativeId: string | null;
  process: string | null;
  /** Environment modules; null when none, because a trace file cannot tell empty from unknown. */
  module: string[] | null;
  container: string | null;
  tag: string | null;
  name: string | null;
  status: TaskStatus | null;
  exit: number | null;
  submit: Date | null;
  start: Date | null;
  complete: Date | null;
  /** Wall time from submission to completion, including queueing. */
  durationMs: number | null;
  /** Wall time the task's process ran. */
  realtimeMs: number | null;
  /** %cpu: can exceed 100 for multi-threaded tasks. */
  pcpu: number | null;
  /** %mem */
  pmem: number | null;
  rss: number | null;
  vmem: number | null;
  peakRss: number | null;
  peakVmem: number | null;
  rchar: number | null;
  wchar: number | null;
  syscr: number | null;
  syscw: number | null;
  readBytes: number | null;
  writeBytes: number | null;
  attempt: number | null;
  workdir: string | null;
  scratch: string | null;
  queue: string | null;
  /** Requested resources (the `cpus`/`memory`/`disk`/`time` directives), not usage. */
  cpus: number | null;
  /** bytes */
  memory: number | null;
  /** bytes */
  disk: number | null;
  /** ms */
  time: number | null;
  errorAction: string | null;
  volCtxt: number | null;
  invCtxt: number | null;
  hostname: string | null;
  cpuModel: string | null;
}

export const TASK_STATUSES = ['NEW', 'SUBMITTED', 'RUNNING', 'COMPLETED', 'FAILED', 'ABORTED', 'CACHED'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

const STATUS_SET: ReadonlySet<string> = new Set(TASK_STATUSES);

export function isTaskStatus(value: string): value is TaskStatus {
  return STATUS_SET.has(value);
}

/** A record under construction: the task id may still be missing. */
export type TaskRecordDraft = Omit<TaskRecord, 'taskId'> & { taskId: number | null };

export function emptyTaskRecord(): TaskRecordDraft {
  return {
    taskId: null, hash: null, nativeId: null, process: null, module: null, container: null, tag: null,
    name: null, status: null, exit: null, submit: null, start: null, complete: null, durationMs: null,
    realtimeMs: null, pcpu: null, pmem: null, rss: null, vmem: null, peakRss: null, peakVmem: null,
    rchar: null, wchar: null, syscr: null, syscw: null, readBytes: null, writeBytes: null, attempt: null,
    workdir: null, scratch: null, queue: null, cpus: null, memory: null, disk: null, time: null,
    errorAction: null, volCtxt: null, invCtxt: null, hostname: null, cpuModel: null,
  };
}

/**
 * Nextflow names a task `<process> (<tag>)`, e.g. `NFCORE_RNASEQ:ALIGN (sample1)`, or just
 * `<process>` (`list_tasks`). The default trace has `name` but no `process`/`tag` columns, so
 * those are recovered from the name. Process names cannot contain spaces, so the process is
 * everything before the first ` (`, and the tag may itself contain parentheses.
 * Caveat: an untagged task of a process with several tasks is named `<process> (<index>)`;
 * the index then comes back as the tag, which is the best a trace without `tag` allows.
 */
export function splitTaskName(name: string): { process: string; tag: string | null } {
  const open = name.indexOf(' (');
  if (open > 0 && name.endsWith(')')) {
    return { process: name.slice(0, open), tag: name.slice(open + 2, -1) };
  }
  return { process: name, tag: null };
}
