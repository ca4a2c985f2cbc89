import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Role } from '../../src/auth/roles.js';
import { createOrgWithKeys, startTestApp, type TestApp } from '../support/app.js';
import { once, wsClient } from '../support/ws-client.js';

/** No object of the organization has this id: callers who pass the role check get NOT_FOUND, not FORBIDDEN. */
const NIL = '00000000-0000-4000-8000-000000000000';
const WINDOW = 'from: "2025-01-01T00:00:00Z", to: "2025-02-01T00:00:00Z"';

/**
 * Every root field with the role the README gives it (VIEWER: any authenticated caller). The test below
 * checks the list against the served schema, so a new field cannot go in without a role here.
 */
const FIELDS: Record<'query' | 'mutation' | 'subscription', Record<string, { role: Role; op: string }>> = {
  query: {
    alert: { role: 'VIEWER', op: `alert(id: "${NIL}") { __typename }` },
    alerts: { role: 'VIEWER', op: 'alerts { __typename }' },
    allocationRules: { role: 'VIEWER', op: 'allocationRules { __typename }' },
    anomalies: { role: 'VIEWER', op: 'anomalies { __typename }' },
    apiKeys: { role: 'ADMIN', op: 'apiKeys { __typename }' },
    budget: { role: 'VIEWER', op: `budget(id: "${NIL}") { __typename }` },
    budgets: { role: 'VIEWER', op: 'budgets { __typename }' },
    costBreakdown: { role: 'VIEWER', op: `costBreakdown(filter: { ${WINDOW} }) { __typename }` },
    costCentres: { role: 'VIEWER', op: `costCentres(${WINDOW}) { __typename }` },
    costConnection: { role: 'VIEWER', op: `costConnection(id: "${NIL}") { __typename }` },
    costConnections: { role: 'VIEWER', op: 'costConnections { __typename }' },
    costImport: { role: 'VIEWER', op: `costImport(id: "${NIL}") { __typename }` },
    costImports: { role: 'VIEWER', op: 'costImports { __typename }' },
    costReports: { role: 'VIEWER', op: 'costReports { __typename }' },
    costSyncs: { role: 'VIEWER', op: `costSyncs(connectionId: "${NIL}") { __typename }` },
    costs: { role: 'VIEWER', op: 'costs { __typename }' },
    dryRunAllocationRule: { role: 'ANALYST', op: `dryRunAllocationRule(${WINDOW}, input: { name: "r", priority: 1, costCentre: "c", match: { service: "Storage" } }) { __typename }` },
    estimate: { role: 'VIEWER', op: 'estimate(input: { pipeline: "nf-core/rnaseq", samples: 1 }) { __typename }' },
    estimateAccuracy: { role: 'VIEWER', op: 'estimateAccuracy { __typename }' },
    estimateErrors: { role: 'VIEWER', op: 'estimateErrors { __typename }' },
    me: { role: 'VIEWER', op: 'me { __typename }' },
    models: { role: 'VIEWER', op: 'models { __typename }' },
    pools: { role: 'VIEWER', op: 'pools { __typename }' },
    project: { role: 'VIEWER', op: 'project(code: "NOPE") { __typename }' },
    projects: { role: 'VIEWER', op: 'projects { __typename }' },
    projectsConnection: { role: 'VIEWER', op: 'projectsConnection { __typename }' },
    recommendations: { role: 'VIEWER', op: 'recommendations { __typename }' },
    reconciliations: { role: 'VIEWER', op: 'reconciliations { __typename }' },
    registeredModels: { role: 'VIEWER', op: 'registeredModels { __typename }' },
    requiredTagKeys: { role: 'VIEWER', op: 'requiredTagKeys' },
    run: { role: 'VIEWER', op: `run(id: "${NIL}") { __typename }` },
    runs: { role: 'VIEWER', op: 'runs { __typename }' },
    tagCompliance: { role: 'VIEWER', op: `tagCompliance(${WINDOW}) { __typename }` },
    webhookChannel: { role: 'ANALYST', op: `webhookChannel(id: "${NIL}") { __typename }` },
    webhookChannels: { role: 'ANALYST', op: 'webhookChannels { __typename }' },
  },
  mutation: {
    acknowledgeAlert: { role: 'VIEWER', op: `acknowledgeAlert(id: "${NIL}") { __typename }` },
    createAllocationRule: { role: 'ADMIN', op: 'createAllocationRule(input: { name: "r", priority: 1, costCentre: "c", match: { service: "Storage" } }) { __typename }' },
    createApiKey: { role: 'ADMIN', op: 'createApiKey(input: { name: "k", role: VIEWER }) { __typename }' },
    createBudget: { role: 'ANALYST', op: 'createBudget(input: { name: "b", period: MONTH, amount: "100", scope: { kind: ORGANIZATION } }) { __typename }' },
    createCostConnection: { role: 'ADMIN', op: 'createCostConnection(input: { name: "c", scope: "/subscriptions/x", auth: MANAGED_IDENTITY }) { __typename }' },
    createProject: { role: 'ADMIN', op: 'createProject(input: { code: "P-ROLE", name: "p" }) { __typename }' },
    createWebhookChannel: { role: 'ADMIN', op: 'createWebhookChannel(input: { name: "w", url: "https://hooks.example/x" }) { __typename }' },
    declarePool: { role: 'ADMIN', op: 'declarePool(input: { name: "pool", region: "westeurope", vmSize: "Standard_D4_v3" }) { __typename }' },
    deleteAllocationRule: { role: 'ADMIN', op: `deleteAllocationRule(id: "${NIL}")` },
    deleteBudget: { role: 'ANALYST', op: `deleteBudget(id: "${NIL}")` },
    deleteWebhookChannel: { role: 'ADMIN', op: `deleteWebhookChannel(id: "${NIL}")` },
    generateCostReport: { role: 'ANALYST', op: 'generateCostReport(project: "NOPE", month: "2025-01") { __typename }' },
    markAnomaly: { role: 'ANALYST', op: `markAnomaly(id: "${NIL}", feedback: EXPECTED) { __typename }` },
    reconcileCosts: { role: 'ADMIN', op: `reconcileCosts(${WINDOW}) { __typename }` },
    refreshRecommendations: { role: 'ADMIN', op: 'refreshRecommendations { __typename }' },
    registerRun: { role: 'ANALYST', op: 'registerRun(input: { projectCode: "NOPE", pipeline: "nf-core/rnaseq" }) { __typename }' },
    resolveAlert: { role: 'VIEWER', op: `resolveAlert(id: "${NIL}") { __typename }` },
    retrainModels: { role: 'ADMIN', op: 'retrainModels' },
    revokeApiKey: { role: 'ADMIN', op: `revokeApiKey(id: "${NIL}") { __typename }` },
    setRecommendationStatus: { role: 'ANALYST', op: `setRecommendationStatus(id: "${NIL}", status: ACCEPTED) { __typename }` },
    setRequiredTagKeys: { role: 'ADMIN', op: 'setRequiredTagKeys(input: { keys: ["project"] })' },
    syncCostConnection: { role: 'ADMIN', op: `syncCostConnection(id: "${NIL}") { __typename }` },
    updateBudget: { role: 'ANALYST', op: `updateBudget(id: "${NIL}", input: {}) { __typename }` },
    updateWebhookChannel: { role: 'ADMIN', op: `updateWebhookChannel(id: "${NIL}", input: {}) { __typename }` },
  },
  subscription: {
    alertRaised: { role: 'VIEWER', op: 'alertRaised { __typename }' },
    budgetBreached: { role: 'VIEWER', op: 'budgetBreached { __typename }' },
    estimateUpdated: { role: 'VIEWER', op: `estimateUpdated(runId: "${NIL}") { __typename }` },
    runUpdated: { role: 'VIEWER', op: `runUpdated(runId: "${NIL}") { __typename }` },
  },
};

const BELOW: Record<Role, (keyof Keys)[]> = { VIEWER: ['anonymous'], ANALYST: ['anonymous', 'viewer'], ADMIN: ['anonymous', 'viewer', 'analyst'] };
type Keys = { anonymous: undefined; viewer: string; analyst: string; admin: string };
const keyOf = (role: Role) => role.toLowerCase() as 'viewer' | 'analyst' | 'admin';
const refusal = (caller: keyof Keys) => (caller === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN');

describe('every entry point refuses callers below its role and lets its role through', () => {
  let t: TestApp;
  let keys: Keys;
  before(async () => {
    t = await startTestApp();
    const created = await createOrgWithKeys(t.db, 'roles');
    keys = { anonymous: undefined, viewer: created.viewer, analyst: created.analyst, admin: created.admin };
  });
  after(() => t.close());

  test('the table names every root field the server serves', async () => {
    const res = await t.gql<{ __schema: Record<string, { fields: { name: string }[] }> }>(
      // deprecated fields are still served, so still guarded
      '{ __schema { queryType { fields(includeDeprecated: true) { name } } mutationType { fields(includeDeprecated: true) { name } } subscriptionType { fields(includeDeprecated: true) { name } } } }',
    );
    const served = (type: string) => res.data!.__schema[type].fields.map((f) => f.name).sort();
    assert.deepEqual(served('queryType'), Object.keys(FIELDS.query).sort());
    assert.deepEqual(served('mutationType'), Object.keys(FIELDS.mutation).sort());
    assert.deepEqual(served('subscriptionType'), Object.keys(FIELDS.subscription).sort());
  });

  for (const kind of ['query', 'mutation'] as const) {
    for (const [field, { role, op }] of Object.entries(FIELDS[kind])) {
      test(`${kind} ${field}: below ${role} refused, ${role} let through`, async () => {
        for (const caller of BELOW[role]) {
          const res = await t.gql(`${kind} { ${op} }`, {}, keys[caller]);
          assert.equal(res.errors?.[0]?.extensions?.code, refusal(caller), `${field} as ${caller}: ${JSON.stringify(res)}`);
          assert.equal(res.data ?? null, null);
        }
        const res = await t.gql(`${kind} { ${op} }`, {}, keys[keyOf(role)]);
        const code = res.errors?.[0]?.extensions?.code;
        assert.ok(code !== 'FORBIDDEN' && code !== 'UNAUTHENTICATED' && code !== 'GRAPHQL_VALIDATION_FAILED', `${field} as ${role}: ${JSON.stringify(res)}`);
      });
    }
  }

  test('subscriptions over graphql-ws: an anonymous connection is refused every one, UNAUTHENTICATED', async () => {
    const ws = wsClient(t.url);
    try {
      for (const [field, { op }] of Object.entries(FIELDS.subscription)) {
        const outcome = await once(ws, `subscription { ${op} }`);
        assert.ok('result' in outcome, `${field}: ${JSON.stringify(outcome)}`);
        assert.equal(outcome.result.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', `${field}: ${JSON.stringify(outcome)}`);
      }
    } finally {
      await ws.dispose();
    }
  });

  /** The plain-HTTP endpoints, with the role the README gives each (null: no credential needed). */
  const ROUTES: { method: 'GET' | 'POST'; path: string; role: Role | null }[] = [
    { method: 'POST', path: '/nextflow/weblog', role: 'ANALYST' },
    { method: 'POST', path: '/import/trace', role: 'ANALYST' },
    { method: 'POST', path: '/import/costs', role: 'ANALYST' },
    { method: 'GET', path: '/export/costs.csv', role: 'VIEWER' },
    { method: 'GET', path: `/reports/download?id=${NIL}`, role: 'VIEWER' },
    { method: 'GET', path: '/healthz', role: null },
    { method: 'GET', path: '/readyz', role: null },
  ];
  for (const { method, path, role } of ROUTES) {
    test(`${method} ${path}: ${role ? `below ${role} refused, ${role} let through` : 'open'}`, async () => {
      const call = (key: string | undefined) =>
        fetch(`${t.url}${path}`, { method, headers: key ? { authorization: `Bearer ${key}` } : {}, ...(method === 'POST' ? { body: '' } : {}) });
      if (!role) {
        assert.equal((await call(undefined)).status, 200);
        return;
      }
      for (const caller of BELOW[role]) {
        const res = await call(keys[caller]);
        const body = (await res.json()) as { error?: { code?: string } };
        assert.equal(body.error?.code, refusal(caller), `${path} as ${caller}: ${res.status} ${JSON.stringify(body)}`);
        assert.equal(res.status, caller === 'anonymous' ? 401 : 403);
      }
      const res = await call(keys[keyOf(role)]);
      await res.arrayBuffer();
      assert.ok(res.status !== 401 && res.status !== 403, `${path} as ${role}: ${res.status}`);
    });
  }

  test("the weblog's ?token= credential is held to the same role as the header", async () => {
    const res = await fetch(`${t.url}/nextflow/weblog?token=${encodeURIComponent(keys.viewer)}`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'FORBIDDEN');
  });
});
