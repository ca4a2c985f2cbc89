import type postgres from 'postgres';
import type { WeblogEvent } from '../ingest/nextflow/index.js';
import { queueInstalled, sendJob } from './send-job.js';

/** Weblog events applied once the trace import that held their task has ended (handler in weblog-deferred.ts). */
export const WEBLOG_DEFERRED_QUEUE = 'capture.weblog-deferred';

export interface WeblogDeferredPayload {
  orgId: string;
  /** The run the event went to: the import into it is what the event waits for. */
  runId: string;
  /** The parsed event, dates tagged (see encodeEvent). */
  event: unknown;
}

/**
 * Queues the event, durably, in a statement of its own: the answer to Nextflow (which never resends) says it is
 * taken. Null when the database has no such queue (no server ever started on it).
 */
export async function enqueueDeferredWeblogEvent(sql: postgres.Sql, orgId: string, runId: string, event: WeblogEvent): Promise<string | null> {
  if (!(await queueInstalled(sql, WEBLOG_DEFERRED_QUEUE))) return null;
  return sendJob(sql, WEBLOG_DEFERRED_QUEUE, { orgId, runId, event: encodeEvent(event) } satisfies WeblogDeferredPayload);
}

/** The event as it was parsed. JSON turns its dates into strings, so the paths of the dates travel beside it. */
interface EncodedEvent {
  value: unknown;
  dates: (string | number)[][];
}

function encodeEvent(event: WeblogEvent): EncodedEvent {
  const dates: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]): unknown => {
    if (v instanceof Date) {
      dates.push(path);
      return Number.isNaN(v.getTime()) ? null : v.toISOString();
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, i]));
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item, [...path, k])]));
    return v;
  };
  return { value: walk(event, []), dates };
}

export function decodeEvent(encoded: unknown): WeblogEvent {
  const { value, dates } = encoded as EncodedEvent;
  for (const path of dates) {
    let holder = value as Record<string | number, unknown>;
    for (const step of path.slice(0, -1)) holder = holder[step] as Record<string | number, unknown>;
    const last = path.at(-1)!;
    holder[last] = new Date((holder[last] as string | null) ?? NaN);
  }
  return value as WeblogEvent;
}
