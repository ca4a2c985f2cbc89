/**
 * Daily spend forecasting for budgets: a weekly-seasonal + linear-trend model, with a
 * simple-trend fallback when history is short. Pure functions over daily amounts (oldest first);
 * a forecast is an estimate, so it is fitted in floating point, while the spend it is added to
 * stays numeric in SQL (services/forecast.ts).
 */

export type SpendForecastMethod = 'SEASONAL_TREND' | 'SIMPLE_TREND' | 'RUN_RATE';

/** Below this many days of history the weekly pattern cannot be told from noise. */
export const SEASONAL_MIN_DAYS = 21;
/** Below this, even a trend line is a guess: the average daily rate is used. */
export const TREND_MIN_DAYS = 7;
/** z for a two-sided 90% interval. */
const Z90 = 1.645;

export interface DailyForecast {
  method: SpendForecastMethod;
  /** Sum over the horizon, and its 90% interval (never below 0). */
  total: number;
  low: number;
  high: number;
}

function linearFit(ys: number[]): { a: number; b: number } {
  const n = ys.length;
  const mx = (n - 1) / 2;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  ys.forEach((y, x) => {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  });
  const b = sxx === 0 ? 0 : sxy / sxx;
  return { a: my - b * mx, b };
}

/** The line through the trailing 7-day means of `ys` (at least 7 days), each placed at its week's middle day. */
function weeklyTrend(ys: number[]): { a: number; b: number } {
  const means: number[] = [];
  let sum = 0;
  ys.forEach((y, x) => {
    sum += y - (x >= 7 ? ys[x - 7] : 0);
    if (x >= 6) means.push(sum / 7);
  });
  const { a, b } = linearFit(means);
  // means[0] sits at day 3
  return { a: a - 3 * b, b };
}

const std = (xs: number[]) => {
  if (xs.length < 2) return 0;
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
};

/**
 * Forecasts `horizon` days starting `skip` days after `history` ends (daily amounts, oldest first;
 * `firstDow` is the UTC weekday, 0 = Sunday, of history[0]).
 */
export function forecastDaily(history: number[], firstDow: number, horizon: number, skip = 0): DailyForecast {
  const n = history.length;
  if (horizon <= 0) return { method: n >= SEASONAL_MIN_DAYS ? 'SEASONAL_TREND' : n >= TREND_MIN_DAYS ? 'SIMPLE_TREND' : 'RUN_RATE', total: 0, low: 0, high: 0 };
  if (n < TREND_MIN_DAYS) {
    const mean = n === 0 ? 0 : history.reduce((s, y) => s + y, 0) / n;
    const spread = Z90 * std(history) * Math.sqrt(horizon);
    return clamp('RUN_RATE', mean * horizon, spread);
  }
  if (n < SEASONAL_MIN_DAYS) {
    // the line through the 7-day averages, not through the days: fitted on raw days, its slope is
    // tilted by where the weekend falls in so short a window (a week ending on a weekend read as a
    // steep fall), and the forecast swung by a third with the weekday it was made on
    const { a: a0, b: b0 } = weeklyTrend(history);
    const residuals = history.map((y, x) => y - (a0 + b0 * x));
    let total = 0;
    for (let h = 0; h < horizon; h++) total += Math.max(0, a0 + b0 * (n + skip + h));
    return clamp('SIMPLE_TREND', total, Z90 * std(residuals) * Math.sqrt(horizon));
  }
  const { a: a0, b: b0 } = linearFit(history);
  // weekly seasonality, multiplicative (a lab's weekend share scales with its volume) while the trend
  // stays positive; additive otherwise, where ratios to a near-zero trend would explode. The trend
  // and the weekday factors are fitted in turn (classical decomposition): a trend fitted on raw days
  // is tilted by where the weekend falls in the window.
  let a = a0;
  let b = b0;
  const trend = (x: number) => a + b * x;
  const multiplicative = history.every((_, x) => trend(x) > 0) && trend(n + skip + horizon - 1) > 0;
  let season = new Array<number>(7).fill(multiplicative ? 1 : 0);
  for (let round = 0; round < 4; round++) {
    const sums = new Array<number>(7).fill(0);
    const counts = new Array<number>(7).fill(0);
    history.forEach((y, x) => {
      const dow = (firstDow + x) % 7;
      sums[dow] += multiplicative ? y / trend(x) : y - trend(x);
      counts[dow]++;
    });
    season = sums.map((s, i) => (counts[i] ? s / counts[i] : multiplicative ? 1 : 0));
    // normalise so the factors carry the weekly shape only, not level
    const mean = season.reduce((s, v) => s + v, 0) / 7;
    season = season.map((v) => (multiplicative ? v / mean : v - mean));
    const deseasonalised = history.map((y, x) => (multiplicative ? y / season[(firstDow + x) % 7] : y - season[(firstDow + x) % 7]));
    ({ a, b } = linearFit(deseasonalised));
    if (multiplicative && !history.every((_, x) => trend(x) > 0)) break;
  }
  const fitted = (x: number) => (multiplicative ? trend(x) * season[(firstDow + x) % 7] : trend(x) + season[(firstDow + x) % 7]);
  const residuals = history.map((y, x) => y - fitted(x));
  let total = 0;
  for (let h = 0; h < horizon; h++) total += Math.max(0, fitted(n + skip + h));
  return clamp('SEASONAL_TREND', total, Z90 * std(residuals) * Math.sqrt(horizon));
}

function clamp(method: SpendForecastMethod, total: number, spread: number): DailyForecast {
  const t = Math.max(0, total);
  return { method, total: t, low: Math.max(0, t - spread), high: t + spread };
}

export interface ForecastBacktest {
  /** Mean |forecast − actual| / actual of the horizon totals (a fraction), over cut points with actual > 0. */
  mape: number | null;
  /** Σforecast / Σactual − 1. */
  bias: number | null;
  /** Share of cut points whose actual total fell inside the interval. */
  coverage: number | null;
  /** Cut points scored. */
  n: number;
  horizonDays: number;
}

/**
 * Time-ordered backtest: at each of the last `cuts` weekly cut points, fit on everything before it
 * and forecast the next `horizon` days; compare with what was spent.
 */
export function backtestDaily(history: number[], firstDow: number, horizon = 7, cuts = 4): ForecastBacktest {
  let apeSum = 0;
  let apeN = 0;
  let fSum = 0;
  let aSum = 0;
  let inside = 0;
  let n = 0;
  for (let k = cuts; k >= 1; k--) {
    const cut = history.length - k * horizon;
    if (cut < TREND_MIN_DAYS) continue;
    const f = forecastDaily(history.slice(0, cut), firstDow, horizon);
    const actual = history.slice(cut, cut + horizon).reduce((s, y) => s + y, 0);
    n++;
    fSum += f.total;
    aSum += actual;
    if (actual >= f.low && actual <= f.high) inside++;
    if (actual > 0) {
      apeSum += Math.abs(f.total - actual) / actual;
      apeN++;
    }
  }
  return { mape: apeN ? apeSum / apeN : null, bias: aSum > 0 ? fSum / aSum - 1 : null, coverage: n ? inside / n : null, n, horizonDays: horizon };
}
