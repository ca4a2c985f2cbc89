/**
 * A process that uses the embedded Postgres on a data directory, as a server or a CLI command does: starts
 * (or shares) it, queries it, reports `{"postmaster": <pid>}` on stdout, and on the line `stop` on stdin
 * closes its pool and stops it (unless shared). Arguments: data directory, port.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { pino } from 'pino';
import { connect } from '../../src/db/client.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';

const [dataDir, port] = process.argv.slice(2);
const embedded = await startEmbeddedPostgres({ dataDir, port: Number(port), log: pino({ level: 'silent' }) });
const database = connect(embedded.url, { max: 1 });
await database.sql`select 1`;
const postmaster = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
process.stdout.write(`${JSON.stringify({ postmaster })}\n`);
for await (const line of createInterface({ input: process.stdin })) if (line === 'stop') break;
await database.close();
await embedded.stop();
process.exit(0);
