import type { NonEmptyArray } from 'type-graphql';
import { MeResolver } from './me.resolver.js';
import { PrincipalResolver } from './principal.resolver.js';
import { ProjectResolver } from './project.resolver.js';
import { RunResolver } from './run.resolver.js';
import { CostConnectionResolver, CostSyncResolver } from './cost-connection.resolver.js';
import { PoolResolver } from './pool.resolver.js';
import { CostImportResolver, CostResolver } from './cost.resolver.js';
import { CostReportResolver } from './cost-report.resolver.js';
import { CostExplorerResolver } from './cost-explorer.resolver.js';
import { AllocationRuleResolver } from './allocation-rule.resolver.js';
import { RecommendationResolver } from './recommendation.resolver.js';
import { TagComplianceResolver } from './tag-compliance.resolver.js';

import {
  EstimateAccuracyResolver, EstimateErrorResolver, ReconciliationResolver, RunCostBreakdownResolver, RunCostResolver,
} from './reconciliation.resolver.js';

import { EstimateResolver } from './estimate.resolver.js';
import { RunEstimateResolver } from './run-estimate.resolver.js';

/** One resolver class a line: branches that add resolvers then merge without conflicts. */
export const resolvers: NonEmptyArray<Function> = [
  MeResolver,
  ProjectResolver,
  PrincipalResolver,
  RunResolver,
  PoolResolver,
  CostConnectionResolver,
  CostSyncResolver,
  CostResolver,
  CostImportResolver,
  ReconciliationResolver,
  RunCostResolver,
  RunCostBreakdownResolver,
  EstimateErrorResolver,
  EstimateAccuracyResolver,
  EstimateResolver,
  RunEstimateResolver,
  TagComplianceResolver,
  RecommendationResolver,
  AllocationRuleResolver,
  CostExplorerResolver,
  CostReportResolver,
  BudgetResolver,
  AlertResolver,
  WebhookChannelResolver,
  AnomalyResolver,
];
import { BudgetResolver } from './budget.resolver.js';
import { AlertResolver } from './alert.resolver.js';
import { WebhookChannelResolver } from './webhook.resolver.js';
import { AnomalyResolver } from './anomaly.resolver.js';

