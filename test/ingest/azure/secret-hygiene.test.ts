import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { after, before, test } from 'node:test';
import { AzureLogger, setLogLevel } from '@azure/logger';
import { pino } from 'pino';
import type { CostRow } from '../../../src/ingest/costs/cost-row.js';
import { createAzureCredential, createCostManagementClient } from '../../../src/ingest/azure/cost-client.js';
import { fetchAzureCosts } from '../../../src/ingest/azure/fetch-costs.js';
import { QpuBudget } from '../../../src/ingest/azure/qpu-budget.js';
import { buildCostRows } from '../../fakes/azure/rows.js';
import { startFakeAzure, type FakeAzure } from '../../fakes/azure/server.js';

const SCOPE = 'subscriptions/00000000-0000-0000-0000-000000000000';
const FROM = new Date('2024-04-01T00:00:00Z');
const TO = new Date('2024-04-03T00:00:00Z');
const SECRET = `Gx8Q~right-${randomUUID()}`;
const WRONG_SECRET = `Gx8Q~wrong-${randomUUID()}`;

// everything the code and the SDKs under it log, at their most talkative
const azureLines: string[] = [];
const appLines: string[] = [];
const logger = pino({ level: 'debug' }, { write: (line: string) => void appLines.push(line) });
let fake: FakeAzure;

before(async () => {
  AzureLogger.log = (...args: unknown[]) => void azureLines.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 8 }))).join(' '));
  setLogLevel('verbose');
  fake = await startFakeAzure({ clientSecret: SECRET, dataset: buildCostRows({ start: FROM, days: 2, resources: 2 }) });
});
after(async () => {
  setLogLevel();
  await fake.close();
});

function clientWith(secret: string) {
  return createCostManagementClient({
    armEndpoint: fake.armEndpoint,
    credential: { kind: 'clientSecret', tenantId: fake.tenantId, clientId: fake.clientId, clientSecret: secret, authorityHost: fake.authorityHost, disableInstanceDiscovery: true },
    budget: new QpuBudget(),
    logger,
  });
}

async function collect(gen: AsyncGenerator<CostRow>): Promise<CostRow[]> {
  const out: CostRow[] = [];
  for await (const row of gen) out.push(row);
  return out;
}

/** Every way the secret could show up in text. */
function leaks(text: string): string[] {
  return [SECRET, WRONG_SECRET].flatMap((s) => [s, encodeURIComponent(s)]).filter((form) => text.includes(form));
}

function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    parts.push(String(e), inspect(e, { depth: 10, showHidden: true }), JSON.stringify(e) ?? '', (e as Error).stack ?? '');
  }
  return parts.join('\n');
}

test('a sync, a throttled retry and a rejected secret log and throw nothing that contains the secret', { timeout: 20_000 }, async () => {
  fake.throttleNext(1, { 'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after': '0', 'retry-after': '0' });
  const rows = await collect(fetchAzureCosts({ client: clientWith(SECRET), scope: SCOPE, from: FROM, to: TO, logger }));
  assert.equal(rows.length, 4);

  let rejected: unknown;
  try {
    await collect(fetchAzureCosts({ client: clientWith(WRONG_SECRET), scope: SCOPE, from: FROM, to: TO, logger }));
  } catch (error) {
    rejected = error;
  }
  assert.ok(rejected, 'the wrong secret was refused');
  const thrown = errorText(rejected);
  // the error still says what is wrong
  assert.match(thrown, /AADSTS7000215|invalid_client/);

  let invalid: unknown;
  try {
    createAzureCredential({ kind: 'clientSecret', tenantId: fake.tenantId, clientId: '', clientSecret: SECRET });
  } catch (error) {
    invalid = error;
  }
  assert.match(String(invalid), /clientId is missing or empty/);

  // the capture really saw the traffic, so finding nothing below means something
  assert.ok(appLines.some((l) => l.includes('waiting before retrying')), 'throttle warning logged');
  assert.ok(appLines.some((l) => l.includes('Cost Management client created')));
  assert.ok(azureLines.length > 20, `SDK logged ${azureLines.length} lines`);

  assert.deepEqual(leaks(appLines.join('\n')), [], 'application log');
  assert.deepEqual(leaks(azureLines.join('\n')), [], 'Azure SDK log');
  assert.deepEqual(leaks(thrown), [], 'thrown error');
  assert.deepEqual(leaks(errorText(invalid)), [], 'validation error');
});
