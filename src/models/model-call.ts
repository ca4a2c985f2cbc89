/**
 * Calling a model's fit and predict, which may be a lab's own code (GCT_MODEL_MODULES). Everything
 * that trains or predicts goes through here, so a model that answers with a Promise, or fits a state
 * Postgres will not store, fails as that model (ModelCallError) instead of as the caller: the retrain
 * skips it for that scope, a quote falls back.
 */
import type { EstimationModel, Features, Prediction, TrainingSample } from './model.js';

/**
 * Largest fitted state a version may store, in bytes of its JSON (8 MiB). The built-ins' states are
 * tens of kB; every quote reads its pipeline's champion states, so a state this large is already slow.
 */
export const MAX_STATE_BYTES = 8 * 1024 * 1024;

/** A model's fit or predict answered something the server cannot use; the message says what. */
export class ModelCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelCallError';
  }
}

/** Fits, and returns the state as it will be stored and read back (through JSON). */
export function fitState<S>(model: EstimationModel<S>, samples: readonly TrainingSample[]): S {
  return storableState(synchronous('fit', model.fit(samples))) as S;
}

export function predictOnce<S>(model: EstimationModel<S>, features: Features, state: S): Prediction {
  return synchronous('predict', model.predict(features, state));
}

/**
 * The answer, unless it is a thenable: models run inside a request or a job and are used at once, so
 * a Promise would be read as a state or a figure. Its rejection gets a handler first: nothing else
 * will await it, and Node 20 exits on an unhandled rejection, the server with it.
 */
function synchronous<T>(what: 'fit' | 'predict', answer: T): T {
  let then: unknown;
  try {
    then = (typeof answer === 'object' || typeof answer === 'function') && answer !== null ? (answer as { then?: unknown }).then : undefined;
  } catch {
    then = undefined;
  }
  if (typeof then !== 'function') return answer;
  Promise.resolve(answer).catch(() => {});
  throw new ModelCallError(`${what} must be synchronous, returned a Promise`);
}

/**
 * The state through JSON, or why a version cannot store it: not JSON (undefined, a BigInt, a cycle),
 * null (the column is not nullable), over MAX_STATE_BYTES, or a string Postgres refuses in jsonb (a
 * NUL character, an unpaired UTF-16 surrogate). Refused here, the fit fails alone; refused by
 * Postgres, the insert would fail the whole retrain.
 */
function storableState(state: unknown): unknown {
  let json: string | undefined;
  try {
    json = JSON.stringify(state);
  } catch (err) {
    throw new ModelCallError(`fit returned a state that is not JSON: ${(err as Error).message}`);
  }
  if (json === undefined) throw new ModelCallError(`fit returned ${typeof state === 'undefined' ? 'undefined' : `a ${typeof state}`}, which is not JSON; return a JSON value such as {}`);
  if (json === 'null') throw new ModelCallError('fit returned null, which a version cannot store; return a JSON value such as {}');
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_STATE_BYTES) {
    throw new ModelCallError(`fit returned a state that is ${(bytes / 1024 / 1024).toFixed(1)} MiB as JSON, over the limit of ${MAX_STATE_BYTES / 1024 / 1024} MiB a version may store`);
  }
  const parsed = JSON.parse(json) as unknown;
  const bad = unstorableString(parsed);
  if (bad) throw new ModelCallError(`fit returned a state with ${bad.problem} in ${bad.where}, which Postgres cannot store in JSON`);
  return parsed;
}

// a lone surrogate: with the `u` flag a valid pair is one code point, never in Cs
const LONE_SURROGATE = /\p{Cs}/u;

/** The first string (key or value) of a parsed JSON value that Postgres refuses in jsonb, with its path. */
function unstorableString(root: unknown): { problem: string; where: string } | null {
  const check = (s: string): string | null => (s.includes('\u0000') ? 'a NUL character (\\u0000)' : LONE_SURROGATE.test(s) ? 'an unpaired surrogate' : null);
  // iterative: JSON.stringify managed the depth, a recursive walk might not
  const stack: { value: unknown; path: string }[] = [{ value: root, path: 'state' }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = check(value);
      if (problem) return { problem, where: path };
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => stack.push({ value: v, path: `${path}[${i}]` }));
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        const problem = check(k);
        if (problem) return { problem, where: `a key of ${path}` };
        stack.push({ value: v, path: `${path}${/^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`}` });
      }
    }
  }
  return null;
}
