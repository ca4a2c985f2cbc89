import {
  emptyTaskRecord, isTaskStatus, splitTaskName, TASK_STATUSES,
  type TaskRecord, type TaskRecordDraft,
} from './task-record.js';
import { BIGINT_NUMBER_MAX, INT4_MAX } from '../../db/schema/columns.js';
import { keyTooLong, keyTooLongMessage, NUL_MESSAGE, withoutNul } from '../../input/text.js';
import {
  isMissing, parseBytes, parseDuration, parseInteger, parsePercent, parseTimestamp, UnitParseError,
} from './units.js';

/** Every field Nextflow can write to a trace (`trace.fields`) or send in a weblog `trace`. */
export const TRACE_COLUMNS = [
  'task_id', 'hash', 'native_id', 'process', 'module', 'container', 'tag', 'name', 'status', 'exit',
  'submit', 'start', 'complete', 'duration', 'realtime', '%cpu', '%mem', 'rss', 'vmem', 'peak_rss',
  'peak_vmem', 'rchar', 'wchar', 'syscr', 'syscw', 'read_bytes', 'write_bytes', 'attempt', 'workdir',
  'script', 'scratch', 'queue', 'cpus', 'memory', 'disk', 'time', 'env', 'error_action', 'vol_ctxt',
  'inv_ctxt', 'hostname', 'cpu_model',
] as const;
export type TraceColumn = (typeof TRACE_COLUMNS)[number];

/** `key`: text that is part of an index key (MAX_KEY_BYTES); `int`: a count kept in an int4 column (`cpus`, `attempt`); `count`: one kept in a bigint column. */
export type ColumnKind = 'text' | 'key' | 'module' | 'status' | 'id' | 'exit' | 'int' | 'count' | 'date' | 'duration' | 'bytes' | 'percent' | 'dropped';

/** Which record field each column fills and how its value is read. */
const SPEC: Record<TraceColumn, { key: keyof TaskRecord | null; kind: ColumnKind }> = {
  task_id: { key: 'taskId', kind: 'id' },
  hash: { key: 'hash', kind: 'text' },
  native_id: { key: 'nativeId', kind: 'text' },
  process: { key: 'process', kind: 'key' },
  module: { key: 'module', kind: 'module' },
  container: { key: 'container', kind: 'text' },
  tag: { key: 'tag', kind: 'text' },
  name: { key: 'name', kind: 'text' },
  status: { key: 'status', kind: 'status' },
  exit: { key: 'exit', kind: 'exit' },
  submit: { key: 'submit', kind: 'date' },
  start: { key: 'start', kind: 'date' },
  complete: { key: 'complete', kind: 'date' },
  duration: { key: 'durationMs', kind: 'duration' },
  realtime: { key: 'realtimeMs', kind: 'duration' },
  '%cpu': { key: 'pcpu', kind: 'percent' },
  '%mem': { key: 'pmem', kind: 'percent' },
  rss: { key: 'rss', kind: 'bytes' },
  vmem: { key: 'vmem', kind: 'bytes' },
  peak_rss: { key: 'peakRss', kind: 'bytes' },
  peak_vmem: { key: 'peakVmem', kind: 'bytes' },
  rchar: { key: 'rchar', kind: 'bytes' },
  wchar: { key: 'wchar', kind: 'bytes' },
  syscr: { key: 'syscr', kind: 'count' },
  syscw: { key: 'syscw', kind: 'count' },
  read_bytes: { key: 'readBytes', kind: 'bytes' },
  write_bytes: { key: 'writeBytes', kind: 'bytes' },
  attempt: { key: 'attempt', kind: 'int' },
  workdir: { key: 'workdir', kind: 'text' },
  // script and env are recognised but not kept: env can carry credentials, both can be large,
  // and neither says anything about cost.
  script: { key: null, kind: 'dropped' },
  scratch: { key: 'scratch', kind: 'text' },
  queue: { key: 'queue', kind: 'key' },
  cpus: { key: 'cpus', kind: 'int' },
  memory: { key: 'memory', kind: 'bytes' },
  disk: { key: 'disk', kind: 'bytes' },
  time: { key: 'time', kind: 'duration' },
  env: { key: null, kind: 'dropped' },
  error_action: { key: 'errorAction', kind: 'text' },
  vol_ctxt: { key: 'volCtxt', kind: 'count' },
  inv_ctxt: { key: 'invCtxt', kind: 'count' },
  hostname: { key: 'hostname', kind: 'text' },
  cpu_model: { key: 'cpuModel', kind: 'text' },
};

/** Columns whose human and raw forms differ (a unit or date format vs a bare number). */
export const UNIT_KINDS: ReadonlySet<ColumnKind> = new Set(['date', 'duration', 'bytes', 'percent']);
export function columnKind(column: TraceColumn): ColumnKind {
  return SPEC[column].kind;
}

// Names are compared after lower-casing and dropping spaces, dashes and underscores, so
// `Task ID`, `task-id`, `taskId` and `TASK_ID` all mean task_id.
const LOOKUP = new Map<string, TraceColumn>();
for (const c of TRACE_COLUMNS) LOOKUP.set(compact(c), c);
const ALIASES: Record<string, TraceColumn> = {
  pcpu: '%cpu', cpupercent: '%cpu', percentcpu: '%cpu', 'cpu%': '%cpu',
  pmem: '%mem', mempercent: '%mem', percentmem: '%mem', 'mem%': '%mem',
  nativeid: 'native_id', jobid: 'native_id',
  exitcode: 'exit', exitstatus: 'exit',
  maxrss: 'peak_rss', maxvmem: 'peak_vmem', vmhwm: 'peak_rss', vmpeak: 'peak_vmem',
  workdirectory: 'workdir',
  processname: 'process',
};
for (const [alias, column] of Object.entries(ALIASES)) LOOKUP.set(alias, column);

function compact(name: string): string {
  return name.trim().toLowerCase().replace(/[\s_\-]+/g, '');
}

/** The Nextflow field a header name means, or null when it is not one. */
export function canonicalColumn(name: string): TraceColumn | null {
  return LOOKUP.get(compact(name.replace(/^"|"$/g, ''))) ?? null;
}

/** A value that could not be read, naming the column as the source spelled it. */
export class FieldError extends Error {
  constructor(readonly column: string, readonly value: unknown, reason: string) {
    super(`column ${JSON.stringify(column)}: ${reason}`);
    this.name = 'FieldError';
  }
}

// Nextflow's "no exit status yet" (TaskRun.exitStatus defaults to Integer.MAX_VALUE); the trace
// file prints it as `-`, the weblog sends the number.
const NO_EXIT = 2_147_483_647;

function readText(value: unknown): string | null {
  if (isMissing(value)) return null;
  if (typeof value === 'string') return noNul(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new UnitParseError('text', value, 'expected a string');
}

// Postgres text cannot hold U+0000
const noNul = (text: string): string => withoutNul(text, 'text', () => new UnitParseError('text', text, NUL_MESSAGE));

function readKey(value: unknown): string | null {
  const text = readText(value);
  const bytes = text === null ? null : keyTooLong(text);
  if (bytes !== null) throw new UnitParseError('text', value, keyTooLongMessage(bytes));
  return text;
}

function readModule(value: unknown): string[] | null {
  if (isMissing(value)) return null;
  let list: string[];
  if (Array.isArray(value)) {
    list = value.map((v) => {
      if (typeof v !== 'string') throw new UnitParseError('module list', value, 'entries must be strings');
      return noNul(v);
    });
  } else if (typeof value === 'string') {
    // a trace prints the Groovy list: `[samtools/1.9, bwa/0.7]`
    const t = value.trim();
    list = (t.startsWith('[') && t.endsWith(']') ? t.slice(1, -1).split(',') : [t]).map(noNul);
  } else {
    throw new UnitParseError('module list', value, 'expected a string or an array of strings');
  }
  list = list.map((s) => s.trim()).filter((s) => s !== '');
  return list.length > 0 ? list : null;
}

function readValue(kind: ColumnKind, value: unknown, timeZone: string): unknown {
  switch (kind) {
    case 'text': return readText(value);
    case 'key': return readKey(value);
    case 'module': return readModule(value);
    case 'status': {
      const text = readText(value);
      if (text === null) return null;
      const upper = text.trim().toUpperCase();
      if (!isTaskStatus(upper)) throw new UnitParseError('status', value, `expected one of ${TASK_STATUSES.join(', ')}`);
      return upper;
    }
    case 'id': return parseInteger(value, { min: 0, max: INT4_MAX });
    case 'exit': {
      const n = parseInteger(value, { min: -INT4_MAX - 1, max: INT4_MAX });
      return n === NO_EXIT ? null : n;
    }
    case 'int': return parseInteger(value, { min: 0, max: INT4_MAX });
    case 'count': return parseInteger(value, { min: 0, max: BIGINT_NUMBER_MAX });
    case 'date': return parseTimestamp(value, timeZone);
    case 'duration': return parseDuration(value);
    case 'bytes': return parseBytes(value);
    case 'percent': return parsePercent(value);
    case 'dropped': return undefined;
  }
}

/** The task's key: a record cannot be stored without it, so it is never dropped. */
const KEY_COLUMNS: ReadonlySet<TraceColumn> = new Set(['task_id', 'attempt']);

/**
 * Reads one task from parallel arrays: the Nextflow column, its value, and how the source
 * spells the column (for error messages). Throws FieldError naming the first unreadable column,
 * unless `dropUnreadable` is given: then an unreadable column other than the task's key is left
 * null and passed to it (the weblog, whose events are not sent again).
 */
export function buildTaskRecord(
  columns: readonly TraceColumn[],
  values: readonly unknown[],
  labels: readonly string[],
  timeZone: string,
  dropUnreadable?: (err: FieldError) => void,
): TaskRecord {
  const draft: TaskRecordDraft = emptyTaskRecord();
  const target = draft as unknown as Record<string, unknown>;
  let hasTaskIdField = false;
  let hasTagField = false;
  let nameLabel = 'name';
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i];
    const spec = SPEC[column];
    if (column === 'task_id') hasTaskIdField = true;
    else if (column === 'tag') hasTagField = true;
    else if (column === 'name') nameLabel = labels[i];
    if (spec.key === null) continue;
    try {
      target[spec.key] = readValue(spec.kind, values[i], timeZone);
    } catch (err) {
      if (!(err instanceof UnitParseError)) throw err;
      const unreadable = new FieldError(labels[i], values[i], err.message);
      if (!dropUnreadable || KEY_COLUMNS.has(column)) throw unreadable;
      dropUnreadable(unreadable);
    }
  }
  if (draft.taskId === null) {
    throw new FieldError('task_id', null, hasTaskIdField
      ? 'missing task_id: every task needs one'
      : 'missing task_id: the source has no task_id field');
  }
  if (draft.name !== null && (draft.process === null || !hasTagField)) {
    const derived = splitTaskName(draft.name);
    if (draft.process === null) {
      const bytes = keyTooLong(derived.process);
      if (bytes === null) draft.process = derived.process;
      else {
        // the process is a key (tasks are grouped and priced by it): one read from a name is bounded as one read from its column
        const unreadable = new FieldError(nameLabel, draft.name, `the process name it begins with ${keyTooLongMessage(bytes)}`);
        if (!dropUnreadable) throw unreadable;
        dropUnreadable(unreadable);
      }
    }
    // Only when the source has no tag field at all: an explicit `-`/null tag is authoritative.
    if (!hasTagField) draft.tag = derived.tag;
  }
  return draft as TaskRecord;
}
