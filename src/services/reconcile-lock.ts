/**
 * One organization's reconciliations take turns (exclusive: windows may overlap). A trace import holds
 * the same lock shared: it waits for a running reconciliation and keeps one from starting until it
 * commits, so no reconciliation decides which runs are billed in full from tasks that change under it.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';

const LOCK_NAMESPACE = 0x7265636f; // 'reco'

export async function lockReconciliations(tx: Pick<Db, 'execute'>, orgId: string, mode: 'exclusive' | 'shared'): Promise<void> {
  if (mode === 'exclusive') await tx.execute(sql`select pg_advisory_xact_lock(${LOCK_NAMESPACE}, hashtext(${orgId}))`);
  else await tx.execute(sql`select pg_advisory_xact_lock_shared(${LOCK_NAMESPACE}, hashtext(${orgId}))`);
}
