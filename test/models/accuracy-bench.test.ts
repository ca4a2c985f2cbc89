/**
 * The accuracy benchmark of issue 5 runs the built-in models through the same fit/predict wrappers the
 * service uses (models/model-call.ts): a change there once made it stop on its first workflow. This runs
 * it (a few seconds, no database) and reads its summary; the numbers themselves are the bench's to print.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { repoRoot } from '../support/fixtures.js';

test('bench/models-accuracy runs to its summary on the shipped traces', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'dist', 'bench', 'models-accuracy.js')], { maxBuffer: 16 * 2 ** 20 });
  for (const target of ['runtimeMs', 'peakRssBytes', 'costPerTask']) {
    const line = stdout.split('\n').find((l) => l.trim().startsWith(`${target}: champion beats the baseline`));
    assert.ok(line, `no summary line for ${target}`);
    const m = /on (\d)\/3 workflows; coverage in 75-85% on (\d)\/3; over all (\d+) held-out tasks ([\d.]+)%/.exec(line);
    assert.ok(m, line);
    assert.equal(Number(m[3]), 575);
    assert.ok(Number(m[4]) > 0 && Number(m[4]) <= 100, line);
  }
});
