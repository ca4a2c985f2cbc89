import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { EventBus } from '../events/bus.js';
import { RUN_UPDATED } from '../services/capture/run-events.js';
import { RunService } from '../services/runs.js';
import { ESTIMATE_UPDATED, LiveEstimateService } from '../services/live-estimates.js';
import type { ModelRegistry } from '../models/registry.js';
import { ALERT_RAISED, AlertService } from '../services/alerts.js';
import { BUDGET_BREACHED } from '../services/budget-evaluation.js';
import { breachOf } from '../services/budget-breach.js';

/** What each subscription topic's events resolve to; read once per event per process, then fanned out. */
export function registerEventLoaders(events: EventBus, db: Db, config: Config, models: ModelRegistry): void {
  events.registerLoader(RUN_UPDATED, (m) => new RunService(db, m.orgId, config.maxPageSize).get(m.key));
  // the newest figure, not the one the event was raised for: events are throttled, the latest is what matters
  events.registerLoader(ESTIMATE_UPDATED, (m) => new LiveEstimateService(db, m.orgId, models, config.estimation).latest(m.key));
  events.registerLoader(ALERT_RAISED, (m) => new AlertService(db, m.orgId, config.maxPageSize).get(m.key));
  events.registerLoader(BUDGET_BREACHED, async (m) => breachOf(await new AlertService(db, m.orgId, config.maxPageSize).get(m.key)));
}
