import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli.js');

// an unreachable database: a bad option must be refused before any connection is tried
const env = { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', LOG_LEVEL: 'fatal' };

for (const port of ['abc', '70000', '4000.5', '']) {
  test(`serve --port ${JSON.stringify(port)} is refused naming the option, before the database is touched`, () => {
    const run = spawnSync(process.execPath, [cli, 'serve', '--port', port], { env, encoding: 'utf8', timeout: 20_000 });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /--port <port>.*is invalid\. must be an integer from 0 to 65535/);
    assert.doesNotMatch(run.stderr, /ECONNREFUSED|127\.0\.0\.1:1/);
  });
}
