import 'reflect-metadata';
import type PgBoss from 'pg-boss';
import type { Config } from './config.js';
import { connect, type Database } from './db/client.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded.js';
import { runMigrations } from './db/migrate.js';
import { createJwtVerifier } from './auth/jwt.js';
import { buildAppSchema } from './graphql/build-schema.js';
import { startHealthServer, type HealthServer } from './http/serve-router.js';
import { startHttpServer, type HttpServer } from './http/server.js';
import { mountRoutes } from './http/routes.js';
import { EventBus } from './events/bus.js';
import { registerEventLoaders } from './graphql/event-loaders.js';
import { startBoss } from './jobs/boss.js';
import { registerJobs } from './jobs/index.js';
import type { Logger } from './logger.js';
import { loadModelRegistry } from './models/load-modules.js';
import type { ModelRegistry } from './models/registry.js';
import { bootstrapIfEmpty } from './services/organizations.js';

export interface App {
  config: Config;
  database: Database;
  databaseUrl: string;
  boss: PgBoss;
  http?: HttpServer;
  /** On worker processes (GCT_ROLE=worker): /healthz and /readyz alone. */
  health?: HealthServer;
  /** Present on API processes: what subscriptions listen to. */
  events?: EventBus;
  /** Built-in and user estimation models. */
  models: ModelRegistry;
  /** Reverse order of start: HTTP, queue, pool, embedded Postgres. Safe to call twice. */
  close(): Promise<void>;
}

/** Resolves DATABASE_URL, or starts the embedded Postgres when it is unset. */
export async function resolveDatabase(config: Config, log: Logger): Promise<{ url: string; embedded?: EmbeddedDatabase }> {
  if (config.databaseUrl) return { url: config.databaseUrl };
  const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, log });
  return { url: embedded.url, embedded };
}

export async function startApp(
  config: Config,
  log: Logger,
  opts: { onBootstrapKey?: (key: string) => void; onQuery?: (query: string) => void } = {},
): Promise<App> {
  const closers: [string, () => Promise<unknown>][] = [];
  const close = async () => {
    while (closers.length > 0) {
      const [name, next] = closers.pop()!;
      try {
        log.debug({ step: name }, 'stopping');
        await next();
      } catch (err) {
        log.error({ err, step: name }, 'error during shutdown');
      }
    }
  };
  try {
    // before anything starts: a configured model module that is missing or invalid stops the boot
    const models = await loadModelRegistry(config.estimation.modelModules);
    log.info({ models: models.list().map((m) => `${m.name}@${m.version}`) }, 'estimation models loaded');
    const { url, embedded } = await resolveDatabase(config, log);
    if (embedded) closers.push(['embedded postgres', () => embedded.stop()]);
    const database = connect(url, { onQuery: opts.onQuery });
    closers.push(['database pool', () => database.close()]);
    await runMigrations(database);

    const created = await bootstrapIfEmpty(database.db, config.bootstrapAdminKey);
    if (created) opts.onBootstrapKey?.(created.adminKey);

    const boss = await startBoss(url, config.role, log);
    closers.push(['pg-boss', () => boss.stop({ graceful: true, timeout: 10_000, wait: true })]);
    await registerJobs(boss, { database, log, boss, config, models }, config.role !== 'api');

    let http: HttpServer | undefined;
    let health: HealthServer | undefined;
    let events: EventBus | undefined;
    const readiness = {
      database: () => database.sql`select 1`,
      queue: () => boss.getQueues(),
    };
    if (config.role === 'worker') {
      health = await startHealthServer({ port: config.port, host: config.host, readiness, log });
      const server = health;
      closers.push(['health checks', () => server.close()]);
    } else {
      events = new EventBus(database.sql, log);
      registerEventLoaders(events, database.db, config, models);
      await events.start();
      const bus = events;
      closers.push(['events', () => bus.close()]);
      const schema = buildAppSchema();
      http = await startHttpServer({
        config,
        db: database.db,
        log,
        schema,
        events,
        models,
        boss,
        verifyJwt: createJwtVerifier({ secret: config.jwtSecret, jwksUrl: config.jwtJwksUrl, issuer: config.jwtIssuer, audience: config.jwtAudience }),
        mount: (router, { viewerOf }) => mountRoutes(router, { config, database, viewerOf, boss }),
        readiness,
      });
      closers.push(['http', () => http!.close()]);
    }
    let closing: Promise<void> | undefined;
    return { config, database, databaseUrl: url, boss, http, health, events, models, close: () => (closing ??= close()) };
  } catch (err) {
    await close();
    throw err;
  }
}
