/**
 * A run across midnight UTC on one Azure Batch pool, for the drift-alert tests: its bill arrives one
 * day at a time, so a reconciliation can see it billed in part, then in full.
 */
import type { ReconcileOptions } from '../../src/services/reconcile.js';

export const VM = 'Standard_D4_v3';
export const POOL = 'nf-d4';
export const RESOURCE = `/subscriptions/x/resourceGroups/g/providers/Microsoft.Batch/batchAccounts/b/pools/${POOL}`;
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** Day one of the run: six days before today's UTC midnight, so the run ended more than 72 h ago whatever the day. */
export const DAY1 = Math.floor(Date.now() / DAY) * DAY - 6 * DAY;
export const DAY2 = DAY1 + DAY;
export const SHARE: ReconcileOptions = { idleMode: 'SHARE', driftThreshold: 0.2, trigger: 'test' };
/** The run's tasks (ms): one each side of midnight, one across it. */
export const TASKS = [
  { start: DAY1 + 19 * HOUR, end: DAY1 + 23.5 * HOUR },
  { start: DAY1 + 22 * HOUR, end: DAY2 + 3 * HOUR },
  { start: DAY2 + 1 * HOUR, end: DAY2 + 5 * HOUR },
];
