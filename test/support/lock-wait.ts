import type { Sql } from 'postgres';

/**
 * Returns once a session of the current database waits on a lock while running a statement that matches
 * `queryLike` (SQL LIKE). Tests that hold a row or lock in one session and race another against it wait
 * for this instead of sleeping: under load a fixed sleep can end before the racer reaches the lock.
 */
export async function untilWaitingOnLock(sql: Sql, queryLike: string, opts: { wait?: 'advisory'; timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    const [waiting] = await sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock' and query like ${queryLike}
        and (${opts.wait ?? null}::text is null or wait_event = ${opts.wait ?? null})`;
    if (waiting.n > 0) return;
    if (Date.now() > deadline) throw new Error(`no session waited on a lock running ${queryLike}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
