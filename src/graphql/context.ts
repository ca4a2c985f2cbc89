import DataLoader from 'dataloader';
import type { Db } from '../db/client.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Viewer } from '../auth/roles.js';
import { AppError } from '../errors.js';
import type { EstimateRow, PipelineRow, ProjectRow } from '../db/schema/index.js';
import { PipelineService } from '../services/pipelines.js';
import { PrincipalService } from '../services/principals.js';
import { ProjectService } from '../services/projects.js';
import { RunService } from '../services/runs.js';
import { CostService } from '../services/costs.js';
import { CostImportService } from '../services/cost-import.js';
import { CostConnectionService } from '../services/cost-connections.js';
import { TaskService } from '../services/tasks.js';
import { PoolService } from '../services/pools.js';
import { CostReportService } from '../services/cost-reports.js';
import { CostExplorerService } from '../services/cost-explorer.js';
import { AllocationRuleService } from '../services/allocation-rules.js';
import { RecommendationService } from '../services/recommendations.js';
import { TagComplianceService } from '../services/tag-compliance.js';
import { ReconciliationService, type RunCostTotals } from '../services/reconciliations.js';
import { BudgetService } from '../services/budgets.js';
import { AlertService } from '../services/alerts.js';
import { WebhookService } from '../services/webhooks.js';
import { AnomalyService } from '../services/anomalies.js';
import type { EventSubscriptions } from '../events/bus.js';
import type PgBoss from 'pg-boss';
import type { ModelRegistry } from '../models/registry.js';
import { ModelService } from '../services/model-versions.js';
import { EstimateService } from '../services/estimates.js';
import { LiveEstimateService } from '../services/live-estimates.js';
import { RunRegistration } from '../services/run-registration.js';

/** Services bound to the caller's organization: the only way resolvers reach data. */
export function orgServices(db: Db, orgId: string, config: Config, models: ModelRegistry) {
  return {
    models: new ModelService(db, orgId, models, config.estimation),
    estimates: new EstimateService(db, orgId, models, config.estimation),
    live: new LiveEstimateService(db, orgId, models, config.estimation),
    projects: new ProjectService(db, orgId, config.maxPageSize),
    pipelines: new PipelineService(db, orgId),
    principals: new PrincipalService(db, orgId),
    runs: new RunService(db, orgId, config.maxPageSize),
    registration: new RunRegistration(db, orgId, models, config),
    costs: new CostService(db, orgId, config.maxPageSize),
    costImports: new CostImportService(db, orgId, config.maxPageSize),
    costConnections: new CostConnectionService(db, orgId, config),
    tasks: new TaskService(db, orgId, config.maxPageSize),
    pools: new PoolService(db, orgId),
    costReports: new CostReportService(db, orgId, config.maxPageSize),
    explorer: new CostExplorerService(db, orgId, config.maxPageSize),
    allocationRules: new AllocationRuleService(db, orgId),
    recommendations: new RecommendationService(db, orgId, config.maxPageSize, config.recommendations.fxRates),
    tagCompliance: new TagComplianceService(db, orgId, config.maxPageSize),
    reconciliations: new ReconciliationService(db, orgId, config),
    budgets: new BudgetService(db, orgId),
    alerts: new AlertService(db, orgId, config.maxPageSize),
    webhooks: new WebhookService(db, orgId, config),
    anomalies: new AnomalyService(db, orgId, config.maxPageSize),
  };
}
export type OrgServices = ReturnType<typeof orgServices>;

function byId<T extends { id: string }>(load: (ids: readonly string[]) => Promise<T[]>) {
  return new DataLoader<string, T | null>(async (ids) => {
    const rows = await load(ids);
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });
}

/** Per-request batching, so a page of 500 runs costs one query per related type, not 500. */
function loaders(services: OrgServices) {
  const runEstimateLoaders = new Map<number, DataLoader<string, EstimateRow[]>>();
  return {
    project: byId<ProjectRow>((ids) => services.projects.byIds(ids)),
    pipeline: byId<PipelineRow>((ids) => services.pipelines.byIds(ids)),
    /** A run's actual cost per currency: one query for a page of runs. */
    runCosts: new DataLoader<string, RunCostTotals[]>(async (ids) => {
      const rows = await services.reconciliations.runTotals(ids);
      return ids.map((id) => rows.filter((r) => r.runId === id));
    }),
    /** A run's estimate history, batched per page size asked for. */
    runEstimates: (first: number) => {
      let loader = runEstimateLoaders.get(first);
      if (!loader) {
        loader = new DataLoader<string, EstimateRow[]>(async (ids) => {
          const byRun = await services.live.historyByRuns(ids, first);
          return ids.map((id) => byRun.get(id) ?? []);
        });
        runEstimateLoaders.set(first, loader);
      }
      return loader;
    },
  };
}

export interface Context {
  viewer: Viewer | null;
  db: Db;
  config: Config;
  log: Logger;
  requestId: string;
  /** Cross-process events, for subscriptions (over graphql-ws, each bounded: GCT_WS_MAX_QUEUED_EVENTS). */
  events: EventSubscriptions;
  /** Built-in and user estimation models. */
  models: ModelRegistry;
  /** The job queue (enqueue only). */
  boss: PgBoss;
  /** Set when a credential was sent but did not verify: protected fields answer with it. */
  authError?: AppError;
  /** Throws UNAUTHENTICATED when there is no caller. */
  org(): OrgServices & { orgId: string; loaders: ReturnType<typeof loaders> };
}

export function createContext(base: { viewer: Viewer | null; db: Db; config: Config; log: Logger; requestId: string; events: EventSubscriptions; models: ModelRegistry; boss: PgBoss; authError?: AppError }): Context {
  let scoped: ReturnType<Context['org']> | undefined;
  return {
    ...base,
    org() {
      if (!base.viewer) throw base.authError ?? new AppError('UNAUTHENTICATED', 'authentication required: send Authorization: Bearer <api key or JWT>');
      if (!scoped) {
        const services = orgServices(base.db, base.viewer.orgId, base.config, base.models);
        scoped = { ...services, orgId: base.viewer.orgId, loaders: loaders(services) };
      }
      return scoped;
    },
  };
}
