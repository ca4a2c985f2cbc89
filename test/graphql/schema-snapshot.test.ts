import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { printAppSchema } from '../../src/graphql/print-schema.js';
import { repoRoot } from '../support/fixtures.js';

test('the checked-in schema.graphql is what the code builds (run `npm run codegen` after changing the API)', async () => {
  const checkedIn = await readFile(path.join(repoRoot, 'schema.graphql'), 'utf8');
  assert.equal(checkedIn.trim(), printAppSchema().trim());
});
