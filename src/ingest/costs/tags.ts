import { findUnstorable } from '../../input/text.js';

/** `problem` says why parsed JSON is refused; without it the text is no tags at all. */
export type TagsResult = { ok: true; tags: Record<string, string> } | { ok: false; problem?: string };

/**
 * Tags as a JSON object (`{"env":"prod"}`, FOCUS and newer Azure exports) or as the bare
 * `"env": "prod","org": "trey"` list older Azure exports write without braces. Values are kept
 * as strings: non-string JSON values become their JSON text and null becomes "".
 * Empty text means no tags. Anything else is refused rather than guessed at, because tags
 * decide which pipeline a cost is attributed to.
 */
export function parseTags(text: string | null): TagsResult {
  const s = text?.trim() ?? '';
  if (s === '' || s === '{}') return { ok: true, tags: {} };
  const value = parseJson(s.startsWith('{') ? s : `{${s}}`);
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false };
  // before turning values into text: JSON.stringify recurses per level, and jsonb refuses a lone surrogate
  const bad = findUnstorable(value, 'tag');
  if (bad !== null) return { ok: false, problem: `${bad.at.replace(/^tag\./, 'tag ')} ${bad.problem}` };
  const tags: Record<string, string> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    tags[key] = typeof v === 'string' ? v : v === null ? '' : JSON.stringify(v);
  }
  return { ok: true, tags };
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
}
