import { Writable } from 'node:stream';
import { startApp, type App } from '../../src/app.js';
import { loadConfig, type Config, type ProcessRole } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createOrganization } from '../../src/services/organizations.js';
import { PrincipalService } from '../../src/services/principals.js';
import type { Role } from '../../src/auth/roles.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { until } from './until.js';

export interface GqlResult<T = Record<string, any>> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; [k: string]: unknown }; path?: (string | number)[] }[];
}

export interface TestApp {
  app: App;
  db: TestDatabase;
  url: string;
  /** Every log line the app wrote, for tests that check what must never be logged. */
  logs: string[];
  /** SQL the app's pool sent, in order (pg-boss uses its own pool and is not counted). */
  queries: string[];
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, key?: string): Promise<GqlResult<T>>;
  close(): Promise<void>;
}

/** The real server (HTTP, GraphQL, pg-boss) on a free port, over its own fresh database. */
export async function startTestApp(opts: { role?: ProcessRole; env?: Record<string, string>; db?: TestDatabase } = {}): Promise<TestApp> {
  const db = opts.db ?? (await createTestDatabase());
  const config: Config = { ...loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...opts.env }), databaseUrl: db.url, role: opts.role ?? 'all' };
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const queries: string[] = [];
  const app = await startApp(config, createLogger('info', sink), { onQuery: (q) => queries.push(q) });
  const url = app.http ? app.http.url : '';
  return {
    app,
    db,
    url,
    logs,
    queries,
    async gql(query, variables, key) {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as GqlResult<never>;
    },
    async close() {
      await app.close();
      if (!opts.db) await db.drop();
    },
  };
}

/** An organization with one API key per role. */
export async function createOrgWithKeys(db: TestDatabase, slug: string) {
  const { organization, adminKey } = await createOrganization(db.db, { name: `Org ${slug}`, slug });
  const principals = new PrincipalService(db.db, organization.id);
  const keyFor = async (role: Role) => (await principals.createApiKey({ name: `${role} key`, role })).key;
  return { org: organization, admin: adminKey, analyst: await keyFor('ANALYST'), viewer: await keyFor('VIEWER') };
}

/** Waits for a pg-boss job to complete (it may have moved to the archive); fails on `failed` or after two minutes. */
export async function waitForJob(t: TestApp, jobId: string): Promise<void> {
  for (let i = 0; ; i++) {
    const [job] = await t.db.sql<{ state: string }[]>`select state from pgboss.job where id = ${jobId} union all select state from pgboss.archive where id = ${jobId}`;
    if (job?.state === 'completed') return;
    if (i >= 600 || job?.state === 'failed') throw new Error(`job ${jobId}: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Waits until `n` subscriptions are registered on the app's event bus: a subscription registers a moment
 * after its subscribe message is sent, and an event published before that is not its to receive.
 */
export async function untilSubscribers(t: TestApp, n: number): Promise<void> {
  await until(() => `${n} subscribers on the event bus, have ${t.app.events!.subscriberCount}`, () => t.app.events!.subscriberCount === n);
}
