import { randomBytes } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { isAlive } from './process-alive.js';

/** Lock files this process holds: one naming our pid that is not among them is a previous life's. */
const held = new Set<string>();

/** Past this, a live holder is taken for a reused pid, and the start fails naming the file. */
const MAX_WAIT_MS = 5 * 60_000;

/**
 * Runs `fn` holding `lockFile`, a file naming the holder's pid that exists only while one process finds or
 * starts the embedded Postgres. Two starts at once on an empty data directory (a server and a CLI command,
 * two servers) both saw no Postgres and both ran initdb on the same directory: one failed, or started a
 * postmaster on the other's half-written directory. Holding it, the second waits for the first's Postgres
 * and then shares it.
 *
 * The file is written whole beside the lock and hard-linked into place (which fails if the lock exists),
 * so a waiter never reads it empty. Its holder gone (killed while starting), it is stale and removed;
 * naming our own pid without our holding it, it is left from a previous process that had this pid (a
 * container's pid 1, restarted).
 */
export async function withStartLock<T>(lockFile: string, log: Logger, fn: () => Promise<T>): Promise<T> {
  await acquire(lockFile, log);
  held.add(lockFile);
  try {
    return await fn();
  } finally {
    held.delete(lockFile);
    await rm(lockFile, { force: true });
  }
}

async function acquire(lockFile: string, log: Logger): Promise<void> {
  const mine = `${lockFile}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(mine, `${process.pid}\n`);
  try {
    let logged = false;
    for (const since = Date.now(); ; ) {
      try {
        await link(mine, lockFile);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = await holderOf(lockFile);
      if (holder === null) continue;
      if (isStale(lockFile, holder)) {
        // read again just before: another waiter may have removed the stale one and taken the lock meanwhile
        if ((await holderOf(lockFile)) === holder) await rm(lockFile, { force: true });
        continue;
      }
      if (Date.now() - since > MAX_WAIT_MS) {
        throw new Error(`${lockFile} still names process ${holder} after ${MAX_WAIT_MS / 60_000} minutes; if that process is not a gct start, remove the file`);
      }
      if (!logged) log.info({ lockFile, pid: holder }, 'waiting for another process starting the embedded Postgres');
      logged = true;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await rm(mine, { force: true });
  }
}

/** The pid the lock names, or null once it is gone (released between the link and the read). */
async function holderOf(lockFile: string): Promise<number | null> {
  try {
    return Number((await readFile(lockFile, 'utf8')).trim());
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

const isStale = (lockFile: string, holder: number) =>
  !Number.isInteger(holder) || holder <= 0 || (holder === process.pid ? !held.has(lockFile) : !isAlive(holder));
