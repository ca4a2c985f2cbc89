import type { NonEmptyArray } from 'type-graphql';
import { MeResolver } from './me.resolver.js';
import { PrincipalResolver } from './principal.resolver.js';
import { ProjectResolver } from './project.resolver.js';
import { RunResolver } from './run.resolver.js';
import { CostConnectionResolver, CostSyncResolver } from './cost-connection.resolver.js';
import { PoolResolver } from './pool.resolver.js';
import { CostImportResolver, CostResolver } from './cost.resolver.js';
import { BudgetResolver } from './budget.resolver.js';
import { AlertResolver } from './alert.resolver.js';
import { WebhookChannelResolver } from './webhook.resolver.js';
import { AnomalyResolver } from './anomaly.resolver.js';

export const resolvers: NonEmptyArray<Function> = [MeResolver, ProjectResolver, PrincipalResolver, RunResolver, PoolResolver, CostConnectionResolver, CostSyncResolver, CostResolver, CostImportResolver, BudgetResolver, AlertResolver, WebhookChannelResolver, AnomalyResolver];
