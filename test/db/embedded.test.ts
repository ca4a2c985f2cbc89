import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import postgres from 'postgres';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { repoRoot } from '../support/fixtures.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

test("a postmaster.pid naming a live process that is not Postgres (its pid reused after a restart) is stale: Postgres starts", { timeout: 120_000 }, async () => {
  // a container restarted with its data volume: the file's pid now belongs to another process (here this
  // one), which passed for a running Postgres, so the server "shared" a database nothing served
  const dataDir = path.join(repoRoot, '.data', `test-embedded-${randomBytes(4).toString('hex')}`);
  const log = pino({ level: 'silent' });
  try {
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir, port, log });
    await first.stop();
    await writeFile(path.join(dataDir, 'pg', 'postmaster.pid'), `${process.pid}\n${path.join(dataDir, 'pg')}\n`);
    const again = await startEmbeddedPostgres({ dataDir, port, log });
    const sql = postgres(again.url, { max: 1, onnotice: () => {} });
    try {
      assert.deepEqual([...(await sql`select 1 as one`)], [{ one: 1 }]);
    } finally {
      await sql.end();
      await again.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
