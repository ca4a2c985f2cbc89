import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { countAlerts } from '../../src/services/alerts.js';
import { evaluateBudgets } from '../../src/services/budget-evaluation.js';
import { BudgetService } from '../../src/services/budgets.js';
import { createOrganization } from '../../src/services/organizations.js';
import { backtestDaily, forecastDaily } from '../../src/services/spend-forecast-model.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { daysAgo, insertCost } from '../support/spend.js';

/** Weekday-heavy lab spend with a rising trend: weekends at 30% of weekdays. */
const WEEK = [0.3, 1, 1, 1, 1, 1, 0.3];
const truth = (day: number, firstDow: number) => (100 + 2 * day) * WEEK[(firstDow + day) % 7];

function series(days: number, firstDow: number, seed: number, jitter = 0.05): number[] {
  let s = seed;
  const rand = () => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31), s / 2 ** 31);
  return Array.from({ length: days }, (_, d) => truth(d, firstDow) * (1 - jitter + 2 * jitter * rand()));
}

describe('spend forecasts', () => {
  test('with weekly seasonality and trend, the seasonal model beats a straight trend and says which it used', () => {
    const firstDow = 1;
    const history = series(56, firstDow, 3);
    const horizon = 10;
    let actual = 0;
    for (let h = 0; h < horizon; h++) actual += truth(56 + h, firstDow);
    const seasonal = forecastDaily(history, firstDow, horizon);
    assert.equal(seasonal.method, 'SEASONAL_TREND');
    const trendOnly = forecastDaily(history.slice(-20), (firstDow + 36) % 7, horizon);
    assert.equal(trendOnly.method, 'SIMPLE_TREND');
    const errSeasonal = Math.abs(seasonal.total - actual) / actual;
    const errTrend = Math.abs(trendOnly.total - actual) / actual;
    assert.ok(errSeasonal < 0.05, `seasonal error ${errSeasonal}`);
    assert.ok(errSeasonal < errTrend, `seasonal ${errSeasonal} vs trend ${errTrend}`);
    assert.ok(seasonal.low < seasonal.total && seasonal.total < seasonal.high, "a non-empty interval around the forecast");
  });

  test('short history falls back: a simple trend from 7 days, the run rate below', () => {
    assert.equal(forecastDaily(series(10, 0, 5), 0, 5).method, 'SIMPLE_TREND');
    const runRate = forecastDaily([10, 20, 30], 0, 4);
    assert.equal(runRate.method, 'RUN_RATE');
    assert.equal(runRate.total, 80);
  });

  test('a short history forecasts the same whatever weekday it starts on: its trend is not tilted by where the weekend falls', () => {
    // two weeks of history, then a week ahead: every start weekday sees the same weekly totals
    for (let firstDow = 0; firstDow < 7; firstDow++) {
      const history = series(14, firstDow, 7, 0);
      let actual = 0;
      for (let h = 0; h < 7; h++) actual += truth(14 + h, firstDow);
      const f = forecastDaily(history, firstDow, 7);
      assert.equal(f.method, 'SIMPLE_TREND');
      const err = Math.abs(f.total - actual) / actual;
      assert.ok(err < 0.05, `starting on weekday ${firstDow}: forecast ${f.total.toFixed(1)}, actual ${actual.toFixed(1)}`);
    }
  });

  test('the backtest scores weekly cut points; a noisier series scores worse', () => {
    const calm = backtestDaily(series(63, 2, 9, 0.02), 2);
    const noisy = backtestDaily(series(63, 2, 9, 0.4), 2);
    assert.equal(calm.n, 4);
    assert.ok(calm.mape !== null && noisy.mape !== null);
    assert.ok(calm.mape < noisy.mape, `calm ${calm.mape} vs noisy ${noisy.mape}`);
  });

  describe('on a budget', () => {
    let db: TestDatabase;
    before(async () => {
      db = await createTestDatabase();
    });
    after(() => db.drop());

    test('a FORECAST threshold raises BUDGET_FORECAST while actual spend is still under its own threshold', async () => {
      const { organization } = await createOrganization(db.db, { name: 'Fc', slug: 'fc' });
      const days = 35;
      // one instant for the history, the window and the forecast: a UTC midnight passing mid-test moves none of them
      const at = new Date();
      const firstDow = daysAgo(days, at).getUTCDay();
      const history = series(days, firstDow, 21);
      for (let d = 0; d < days; d++) await insertCost(db.db, organization.id, { day: daysAgo(days - d, at), amount: history[d].toFixed(2) });
      const service = new BudgetService(db.db, organization.id);
      const budget = await service.create({
        name: 'Custom window',
        scope: { kind: 'ORGANIZATION' },
        period: 'CUSTOM',
        startsAt: daysAgo(10, at),
        endsAt: daysAgo(-20, at),
        amount: '3000',
        currency: 'USD',
        thresholds: [{ percent: 80, basis: 'ACTUAL' }, { percent: 100, basis: 'FORECAST' }],
      });
      const spend = await service.spend(budget, at);
      const forecast = await service.forecast(budget, at);
      assert.equal(forecast.method, 'SEASONAL_TREND');
      assert.equal(forecast.historyDays, days);
      assert.ok(Number(forecast.low) <= Number(forecast.value) && Number(forecast.value) <= Number(forecast.high));
      assert.ok(Number(forecast.low) >= Number(spend.total), 'spend so far is a floor');
      assert.equal(forecast.backtest.n, 4);
      assert.ok(forecast.backtest.mape! < 0.2, `backtest mape ${forecast.backtest.mape}`);
      // ~10 days billed of a period twice as long still to come, on a rising trend
      assert.ok(Number(spend.percentUsed) < 80, `actual ${spend.percentUsed}%`);
      assert.ok(Number(forecast.value) >= 3000, `forecast ${forecast.value}`);

      const report = await evaluateBudgets(db.db, organization.id, { at });
      assert.deepEqual(report.raised.map((a) => a.kind), ['BUDGET_FORECAST']);
      assert.equal(report.raised[0].details.forecastMethod, 'SEASONAL_TREND');
      assert.equal(await countAlerts(db.db, organization.id, `budget:${budget.id}:ACTUAL`), 0);
    });
  });
});
