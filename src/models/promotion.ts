/**
 * Which fitted model becomes champion of a scope, from its holdout metrics. Shared by the retrain
 * job (services/model-versions.ts) and the accuracy bench, so the bench shows what the service does.
 *
 * MAPE alone rewards under-prediction: an estimate of 0 scores 100% whatever the actual, and a
 * model that predicts a tenth of every runtime scores 90%, while on skewed runtimes an honest
 * model's few large misses can score worse. A budget feels the total, which bias measures
 * (Σpredicted / Σactual − 1), so a candidate that misses the holdout's total by more than
 * `maxBias` is not eligible, however low its MAPE.
 */

/** What the rule reads from a backtest (BacktestResult has both). */
export interface HoldoutScore {
  mape: number;
  bias: number;
}

export interface PromotionRule {
  /** Largest |bias| a champion may have on the holdout, as a fraction (0.5 = 50%); see eligibility for a drifted history. */
  maxBias: number;
}

/** How far the predicted total is from the actual, as |ln(Σpredicted / Σactual)|; a zero total is infinitely far. */
function miss(score: HoldoutScore): number {
  return score.bias > -1 ? Math.abs(Math.log1p(score.bias)) : Infinity;
}

/**
 * Which candidates may be champion: finite MAPE and |bias| <= maxBias. When history has drifted so
 * far that no candidate of the round is within the bound (a history of test-profile runs scored on
 * a full run), refusing all would leave quotes to the price sheet; instead those whose total is no
 * more than a factor (1 + maxBias) further off than the least-biased candidate's stay eligible.
 */
export function eligibility(scores: readonly HoldoutScore[], rule: PromotionRule): boolean[] {
  const measured = scores.map((s) => Number.isFinite(s.mape) && Number.isFinite(s.bias));
  const within = scores.map((s, i) => measured[i] && Math.abs(s.bias) <= rule.maxBias);
  if (within.some(Boolean)) return within;
  const least = Math.min(...scores.map((s, i) => (measured[i] ? miss(s) : Infinity)));
  return scores.map((s, i) => measured[i] && miss(s) <= least + Math.log1p(rule.maxBias));
}

/**
 * Index of the champion among `scores` (see eligibility), or null for none. The eligible candidate
 * with the lowest MAPE (the first on ties) takes the title only by beating an eligible incumbent's
 * MAPE on this same holdout; an incumbent that is not eligible yields to it.
 */
export function chooseChampion(scores: readonly HoldoutScore[], incumbent: number | null, rule: PromotionRule): number | null {
  const ok = eligibility(scores, rule);
  let best: number | null = null;
  scores.forEach((s, i) => {
    if (ok[i] && (best === null || s.mape < scores[best].mape)) best = i;
  });
  if (best !== null && incumbent !== null && ok[incumbent] && !(scores[best].mape < scores[incumbent].mape)) return incumbent;
  return best;
}
