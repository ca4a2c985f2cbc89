/**
 * A stored champion's prediction, or why there is none. A champion can be a lab's own code
 * (GCT_MODEL_MODULES): it may throw, answer NaN, ±Infinity, a negative figure, an interval out of
 * order or a Promise, or its module may have changed version since the state was fitted (the state
 * may mean something else now). Quotes, registerRun and live estimates fall back to the next source
 * instead of failing, so every caller predicts through here rather than calling `predict` itself.
 */
import type { ModelVersionRow } from '../db/schema/index.js';
import { ModelCallError, predictOnce, type EstimationModel, type Features, type Prediction } from '../models/index.js';
import type { ModelRegistry } from '../models/registry.js';
import { storableText } from '../input/text.js';

export type ChampionAnswer = { ok: true; prediction: Prediction } | { ok: false; reason: string };

/** A lab model's answer or throw as text; never throws itself (a BigInt, a circular object, a null prototype). */
function describe(x: unknown): string {
  if (typeof x === 'number') return String(x);
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    try {
      return String(x);
    } catch {
      return `a ${typeof x} that cannot be shown as text`;
    }
  }
}

/** The registered model that fitted the champion's state, or why it cannot predict at all. */
export function championModel(registry: ModelRegistry, champion: ModelVersionRow): { ok: true; model: EstimationModel<unknown> } | { ok: false; reason: string } {
  if (!registry.has(champion.modelName)) return { ok: false, reason: 'is no longer registered' };
  const model = registry.get(champion.modelName) as EstimationModel<unknown>;
  if (model.version !== champion.modelVersion) {
    return { ok: false, reason: `was fitted by version ${champion.modelVersion}, but version ${model.version} is registered` };
  }
  return { ok: true, model };
}

/**
 * The champion's prediction, or why not. The reason quotes the lab's own words (an error message), and
 * it is stored (estimate notes and features): made storable first.
 */
export function predictWithChampion(registry: ModelRegistry, champion: ModelVersionRow, features: Features): ChampionAnswer {
  const answer = championPredict(registry, champion, features);
  return answer.ok ? answer : { ok: false, reason: storableText(answer.reason) };
}

function championPredict(registry: ModelRegistry, champion: ModelVersionRow, features: Features): ChampionAnswer {
  const found = championModel(registry, champion);
  if (!found.ok) return found;
  let answer: Prediction;
  try {
    answer = predictOnce(found.model, features, champion.state);
  } catch (err) {
    if (err instanceof ModelCallError) return { ok: false, reason: `failed: ${err.message}` };
    return { ok: false, reason: `threw ${err instanceof Error ? `${err.name}: ${err.message}` : describe(err)}` };
  }
  const { value, low, high } = (answer ?? {}) as Partial<Prediction>;
  if (![value, low, high].every((x) => typeof x === 'number' && Number.isFinite(x))) {
    return { ok: false, reason: `answered a figure that is not a finite number (value ${describe(value)}, low ${describe(low)}, high ${describe(high)})` };
  }
  if (!(0 <= low! && low! <= value! && value! <= high!)) {
    return { ok: false, reason: `answered a negative figure or an interval out of order (value ${value}, low ${low}, high ${high})` };
  }
  return { ok: true, prediction: { value: value!, low: low!, high: high! } };
}
