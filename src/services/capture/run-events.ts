import { publishEvent, type Executor } from '../../events/publish.js';

export const RUN_UPDATED = 'runUpdated';

/** Tells every API process that a run's status or tasks changed; pass the transaction so it fires on commit. */
export const publishRunUpdated = (tx: Executor, orgId: string, runId: string) => publishEvent(tx, { topic: RUN_UPDATED, orgId, key: runId });
