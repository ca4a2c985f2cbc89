import { buildTaskRecord, canonicalColumn, FieldError, type TraceColumn } from './columns.js';
import { parseOffsetDateTime } from './java-time.js';
import type { TaskRecord } from './task-record.js';
import { parseBytes, parseDuration, parseInteger, parseTimestamp, showValue, UnitParseError } from './units.js';
import { findUnstorable, hasNul, keyTooLong, keyTooLongMessage, NUL_MESSAGE, visibleNul, withoutNul } from '../../input/text.js';

/**
 * Nextflow weblog (`-with-weblog URL`) payloads: one JSON object per HTTP POST,
 * `{runName, runId, event, utcTime, trace?, metadata?}`. Process events carry the task's
 * trace record with raw values (ms, bytes, epoch ms); `started`/`completed` carry the run's
 * metadata, whose layout changed across Nextflow versions (see parseWorkflowInfo).
 */

/** The body is not a weblog event, or a field in it is unreadable; the message names which. */
export class WeblogFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeblogFormatError';
  }
}

export const WEBLOG_EVENTS = ['started', 'process_submitted', 'process_started', 'process_completed', 'error', 'completed'] as const;
export type WeblogEventType = (typeof WEBLOG_EVENTS)[number];

export interface WeblogEvent {
  runName: string;
  /** The session id (a UUID), shared by every event of the run. */
  runId: string;
  event: WeblogEventType;
  utcTime: Date;
  /** Always present on process_* events; sometimes on `error`. */
  trace?: TaskRecord;
  /** Always present on `started` and `completed`. */
  metadata?: WorkflowInfo;
  /**
   * What could not be read or stored as sent, instead of refusing the event (Nextflow does not resend one):
   * trace fields, pipeline params and names in the run's metadata left out, its messages kept with a NUL shown as ␀,
   * optional metadata dates read as null; one message each, naming the field, for the answer.
   */
  warnings: string[];
}

/** What a cost tracker needs from the run's metadata; null where the payload lacks it. */
export interface WorkflowInfo {
  sessionId: string | null;
  runName: string | null;
  start: Date | null;
  complete: Date | null;
  durationMs: number | null;
  /** False on `started` (not finished yet) as well as on a failed run. */
  success: boolean | null;
  exitStatus: number | null;
  errorMessage: string | null;
  errorReport: string | null;
  /** A resumed run re-uses cached tasks, which cost nothing this time. */
  resume: boolean | null;
  commandLine: string | null;
  projectName: string | null;
  repository: string | null;
  revision: string | null;
  commitId: string | null;
  manifest: { name: string | null; version: string | null };
  profile: string | null;
  /** One image, or a map of process name to image when processes use different ones. */
  container: string | Record<string, string> | null;
  containerEngine: string | null;
  nextflowVersion: string | null;
  userName: string | null;
  workDir: string | null;
  launchDir: string | null;
  /** The pipeline parameters as sent (`parameters`, or `params` in older Nextflow). */
  params: Record<string, unknown> | null;
  stats: WorkflowStats | null;
}

export interface WorkflowStats {
  succeededCount: number | null;
  cachedCount: number | null;
  failedCount: number | null;
  ignoredCount: number | null;
  abortedCount: number | null;
  retriesCount: number | null;
  succeededDurationMs: number | null;
  cachedDurationMs: number | null;
  failedDurationMs: number | null;
  peakCpus: number | null;
  /** bytes */
  peakMemory: number | null;
}

type Json = Record<string, unknown>;

const EVENT_SET: ReadonlySet<string> = new Set(WEBLOG_EVENTS);

/** Parses a request body that has already been read as text; invalid JSON is a WeblogFormatError. */
export function parseWeblogJson(text: string): WeblogEvent {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') throw new WeblogFormatError('not a weblog event: the body is empty');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw new WeblogFormatError(`not a weblog event: invalid JSON ${describeJsonError(body, err)}`);
  }
  return parseWeblogEvent(parsed);
}

/** Validates an already-parsed body and normalises it; throws WeblogFormatError naming the bad field. */
export function parseWeblogEvent(body: unknown): WeblogEvent {
  if (!isObject(body)) {
    throw new WeblogFormatError(`not a weblog event: expected a JSON object, got ${typeName(body)}`);
  }
  if (body.event === undefined) throw new WeblogFormatError('not a weblog event: missing field "event"');
  if (typeof body.event !== 'string' || !EVENT_SET.has(body.event)) {
    throw new WeblogFormatError(
      `not a weblog event: field "event" is ${showValue(body.event)}; expected one of ${WEBLOG_EVENTS.join(', ')}`,
    );
  }
  const event = body.event as WeblogEventType;
  const warnings: string[] = [];
  // the run's key (session id and run name): without it nothing of the event can be stored
  const runName = keyString(body, 'runName');
  const runId = keyString(body, 'runId');
  const utcText = requiredString(body, 'utcTime');
  const utcTime = convert('utcTime', utcText, (v) => parseTimestamp(v, 'UTC'));
  if (utcTime === null) throw new WeblogFormatError('weblog event: field "utcTime" is empty');

  const result: WeblogEvent = { runName, runId, event, utcTime, warnings };

  if (body.trace !== undefined && body.trace !== null) {
    if (!isObject(body.trace)) throw new WeblogFormatError(`weblog event: field "trace" must be an object, got ${typeName(body.trace)}`);
    result.trace = parseTrace(body.trace, warnings);
  } else if (event.startsWith('process_')) {
    throw new WeblogFormatError(`weblog event: a ${event} event must carry a "trace" object`);
  }

  if (body.metadata !== undefined && body.metadata !== null) {
    if (!isObject(body.metadata)) throw new WeblogFormatError(`weblog event: field "metadata" must be an object, got ${typeName(body.metadata)}`);
    result.metadata = parseWorkflowInfo(body.metadata, warnings);
  } else if (event === 'started' || event === 'completed') {
    throw new WeblogFormatError(`weblog event: a ${event} event must carry a "metadata" object`);
  }
  return result;
}

/**
 * Nextflow sends each event once and does not retry: refusing one for a field it cannot store would
 * lose the task's status and every other field with it. So an unreadable field (a number past its
 * column, a NUL in a text) is left out with a warning; only the task's key must read. The trace file,
 * imported after the run, is the complete record and rejects such a line whole, keeping its text.
 */
function parseTrace(trace: Json, warnings: string[]): TaskRecord {
  const columns: TraceColumn[] = [];
  const values: unknown[] = [];
  const labels: string[] = [];
  const seen = new Map<TraceColumn, string>();
  for (const [key, value] of Object.entries(trace)) {
    const column = canonicalColumn(key);
    if (column === null) continue; // newer Nextflow versions add fields; they are not needed here
    const before = seen.get(column);
    if (before !== undefined) {
      throw new WeblogFormatError(`weblog event: "trace.${before}" and "trace.${key}" both mean ${column}`);
    }
    seen.set(column, key);
    columns.push(column);
    values.push(value);
    labels.push(`trace.${key}`);
  }
  try {
    // raw values are epoch ms, so no time zone is involved
    return buildTaskRecord(columns, values, labels, 'UTC', (err) => warnings.push(`${err.message.replace(/^column/, 'field')}; left out`));
  } catch (err) {
    if (err instanceof FieldError) {
      const message = err.column === 'task_id' ? err.message.replace('column "task_id"', 'field "trace.task_id"') : err.message.replace(/^column/, 'field');
      throw new WeblogFormatError(`weblog event: ${message}`);
    }
    throw err;
  }
}

/*
 * Current Nextflow sends `metadata: {parameters, workflow}` where `workflow` is the whole
 * WorkflowMetadata (stats, success, duration... inside it). Older versions sent `params`
 * instead of `parameters`, and the documented example has `stats`, `success`, `duration`,
 * `resume` beside `workflow` rather than in it. Both layouts are read; `workflow` wins.
 */
function parseWorkflowInfo(metadata: Json, warnings: string[]): WorkflowInfo {
  const wf = optionalObject(metadata, 'workflow', 'metadata') ?? {};
  const at = (key: string): { holder: Json; path: string } =>
    wf[key] !== undefined && wf[key] !== null ? { holder: wf, path: 'metadata.workflow' } : { holder: metadata, path: 'metadata' };
  const w = 'metadata.workflow';
  const name = (obj: Json, key: string, path: string) => storableName(`${path}.${key}`, optionalString(obj, key, path), warnings);
  // names that key a pipeline (its name and revision): also bounded in size (MAX_KEY_BYTES)
  const keyName = (obj: Json, key: string, path: string) => storableKey(`${path}.${key}`, name(obj, key, path), warnings);
  const prose = (key: string) => storableProse(`${w}.${key}`, optionalString(wf, key, w), warnings);

  const manifest = optionalObject(wf, 'manifest', w) ?? {};
  const nextflow = wf.nextflow;
  let nextflowVersion: string | null = null;
  if (typeof nextflow === 'string') nextflowVersion = storableName(`${w}.nextflow`, nextflow, warnings);
  else if (isObject(nextflow)) nextflowVersion = name(nextflow, 'version', `${w}.nextflow`);
  else if (nextflow !== undefined && nextflow !== null) {
    throw new WeblogFormatError(`weblog event: field "${w}.nextflow" must be an object, got ${typeName(nextflow)}`);
  }

  const paramsKey = metadata.parameters !== undefined ? 'parameters' : 'params';
  const params = storableParams(`metadata.${paramsKey}`, optionalObject(metadata, paramsKey, 'metadata'), warnings);

  const statsAt = at('stats');
  const stats = optionalObject(statsAt.holder, 'stats', statsAt.path);
  const durationAt = at('duration');
  const successAt = at('success');
  const resumeAt = at('resume');

  return {
    sessionId: name(wf, 'sessionId', w),
    runName: name(wf, 'runName', w),
    start: optionalDate(`${w}.start`, wf.start, warnings),
    complete: optionalDate(`${w}.complete`, wf.complete, warnings),
    durationMs: convert(`${durationAt.path}.duration`, durationAt.holder.duration, parseDuration),
    success: optionalBoolean(successAt.holder, 'success', successAt.path),
    exitStatus: convert(`${w}.exitStatus`, wf.exitStatus, (v) => parseInteger(v)),
    errorMessage: prose('errorMessage'),
    errorReport: prose('errorReport'),
    resume: optionalBoolean(resumeAt.holder, 'resume', resumeAt.path),
    commandLine: prose('commandLine'),
    projectName: keyName(wf, 'projectName', w),
    repository: name(wf, 'repository', w),
    revision: keyName(wf, 'revision', w),
    commitId: name(wf, 'commitId', w),
    manifest: {
      name: keyName(manifest, 'name', `${w}.manifest`),
      version: keyName(manifest, 'version', `${w}.manifest`),
    },
    profile: name(wf, 'profile', w),
    container: parseContainer(wf.container, `${w}.container`, warnings),
    containerEngine: name(wf, 'containerEngine', w),
    nextflowVersion,
    userName: name(wf, 'userName', w),
    workDir: name(wf, 'workDir', w),
    launchDir: name(wf, 'launchDir', w),
    params,
    stats: stats === null ? null : parseStats(stats, `${statsAt.path}.stats`),
  };
}

function parseStats(stats: Json, path: string): WorkflowStats {
  const count = (...keys: string[]): number | null => {
    const key = keys.find((k) => stats[k] !== undefined) ?? keys[0];
    return convert(`${path}.${key}`, stats[key], (v) => parseInteger(v, { min: 0 }));
  };
  const duration = (...keys: string[]): number | null => {
    const key = keys.find((k) => stats[k] !== undefined) ?? keys[0];
    return convert(`${path}.${key}`, stats[key], parseDuration);
  };
  return {
    // Nextflow has spelled it both ways
    succeededCount: count('succeedCount', 'succeededCount'),
    cachedCount: count('cachedCount'),
    failedCount: count('failedCount'),
    ignoredCount: count('ignoredCount'),
    abortedCount: count('abortedCount'),
    retriesCount: count('retriesCount'),
    succeededDurationMs: duration('succeedDuration', 'succeededDuration'),
    cachedDurationMs: duration('cachedDuration'),
    failedDurationMs: duration('failedDuration'),
    peakCpus: count('peakCpus'),
    peakMemory: convert(`${path}.peakMemory`, stats.peakMemory, parseBytes),
  };
}

function parseContainer(value: unknown, path: string, warnings: string[]): string | Record<string, string> | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'string') return storableName(path, value, warnings);
  if (isObject(value)) {
    const out: Record<string, string> = {};
    for (const [process, image] of Object.entries(value)) {
      if (typeof image !== 'string') throw new WeblogFormatError(`weblog event: field "${path}.${process}" must be a string, got ${typeName(image)}`);
      const bad = findUnstorable({ [process]: image }, path);
      if (bad === null) out[process] = image;
      else warnings.push(`field "${bad.at}" ${bad.problem}; left out`);
    }
    return out;
  }
  throw new WeblogFormatError(`weblog event: field "${path}" must be a string or an object, got ${typeName(value)}`);
}

// ---------------------------------------------------------------------------- field readers

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${showValue(value)}`;
}

function requiredString(obj: Json, key: string): string {
  const value = obj[key];
  if (value === undefined || value === null) throw new WeblogFormatError(`not a weblog event: missing field "${key}"`);
  if (typeof value !== 'string' || value.trim() === '') {
    throw new WeblogFormatError(`weblog event: field "${key}" must be a non-empty string, got ${typeName(value)}`);
  }
  return withoutNul(value, key, (at) => new WeblogFormatError(`weblog event: field "${at}" ${NUL_MESSAGE}`));
}

function keyString(obj: Json, key: string): string {
  const value = requiredString(obj, key);
  const bytes = keyTooLong(value);
  if (bytes !== null) throw new WeblogFormatError(`weblog event: field "${key}" ${keyTooLongMessage(bytes)}`);
  return value;
}

function optionalString(obj: Json, key: string, path: string): string | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new WeblogFormatError(`weblog event: field "${path}.${key}" must be a string, got ${typeName(value)}`);
  return value;
}

/**
 * The pipeline's params without those that cannot be stored (a NUL or an unpaired surrogate in the name or
 * anywhere in the value, which jsonb refuses; nesting past MAX_JSON_DEPTH), each left out with a warning. Params are whatever a user typed on
 * the command line; refusing `started` over one would lose the run's project, claim and metadata.
 */
function storableParams(path: string, params: Json | null, warnings: string[]): Json | null {
  if (params === null) return null;
  const kept: Json = {};
  for (const [key, value] of Object.entries(params)) {
    const bad = findUnstorable({ [key]: value }, path);
    if (bad === null) kept[key] = value;
    else warnings.push(`field "${bad.at}" ${bad.problem}; parameter left out`);
  }
  return kept;
}

/*
 * Postgres text cannot hold U+0000, and refusing `started` or `completed` over one would lose the run's
 * project, claim, pipeline and outcome (Nextflow does not resend). What a NUL does to a field depends on
 * what the field is for:
 * - a name (pipeline, revision, version, run name, paths) identifies or groups the run: altered, it would
 *   tie the run to a pipeline no one named (`nf-core/rnaseq␀`); left out, the next candidate answers
 *   (manifest.name, then projectName) or nothing does, as when Nextflow does not send it;
 * - a message read by people (errorMessage, errorReport, commandLine) is why a run failed and how it was
 *   launched (a NUL there most likely comes from what a failing tool printed): it is kept, each NUL shown
 *   as ␀ (as a rejected trace line is), rather than lost for one unprintable character.
 * Either way the answer's warnings name the field.
 */
function storableName(path: string, value: string | null, warnings: string[]): string | null {
  if (value === null || !hasNul(value)) return value;
  warnings.push(`field "${path}" ${NUL_MESSAGE}; left out`);
  return null;
}

/** A name that keys a pipeline, past MAX_KEY_BYTES: left out like a name with a NUL, and for the same reason. */
function storableKey(path: string, value: string | null, warnings: string[]): string | null {
  const bytes = value === null ? null : keyTooLong(value);
  if (bytes === null) return value;
  warnings.push(`field "${path}" ${keyTooLongMessage(bytes)}; left out`);
  return null;
}

function storableProse(path: string, value: string | null, warnings: string[]): string | null {
  if (value === null || !hasNul(value)) return value;
  warnings.push(`field "${path}" held a NUL character (\\u0000); kept with each shown as \u2400`);
  return visibleNul(value);
}

function optionalBoolean(obj: Json, key: string, path: string): boolean | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'boolean') throw new WeblogFormatError(`weblog event: field "${path}.${key}" must be true or false, got ${typeName(value)}`);
  return value;
}

function optionalObject(obj: Json, key: string, path: string): Json | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  if (!isObject(value)) throw new WeblogFormatError(`weblog event: field "${path}.${key}" must be an object, got ${typeName(value)}`);
  return value;
}

/**
 * The run's start or end: a string, epoch ms, or (Nextflow 21.x) a Java OffsetDateTime object. Unreadable, it
 * is null with a warning: refusing the event would lose what else it carries (params, pipeline, the claim of a
 * registered run, how the run ended), and a run's times also come from its tasks.
 */
function optionalDate(path: string, value: unknown, warnings: string[]): Date | null {
  try {
    return isObject(value) ? parseOffsetDateTime(value) : parseTimestamp(value, 'UTC');
  } catch (err) {
    if (!(err instanceof UnitParseError)) throw err;
    warnings.push(`field "${path}" read as null: ${err.message}`);
    return null;
  }
}

function convert<T>(path: string, value: unknown, parse: (v: unknown) => T): T {
  try {
    return parse(value);
  } catch (err) {
    if (err instanceof UnitParseError) throw new WeblogFormatError(`weblog event: field "${path}": ${err.message}`);
    throw err;
  }
}

/** Turns V8's "... in JSON at position N" into a line and column with the text found there. */
function describeJsonError(text: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const reason = message.replace(/\s*in JSON at position \d+.*$/s, '').replace(/^JSON\.parse: /, '');
  const pos = /at position (\d+)/.exec(message);
  if (!pos) return `(${reason})`;
  const offset = Number(pos[1]);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  const lineText = text.split('\n')[line - 1]?.trim() ?? '';
  // "Expected double-quoted property name" right after a comma is the classic trailing comma
  const trailingComma = /,\s*$/.test(before) && /^\s*[}\]]/.test(text.slice(offset)) ? '; a trailing comma before it?' : '';
  return `at line ${line}, column ${column}: ${reason} (found ${JSON.stringify(lineText.slice(0, 60))}${trailingComma})`;
}
