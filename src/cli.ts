#!/usr/bin/env node
import './production-mode.js';
import 'reflect-metadata';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig, parseRole, type Config } from './config.js';
import { connect } from './db/client.js';
import { runMigrations } from './db/migrate.js';
import { createLogger, type Logger } from './logger.js';
import { resolveDatabase, startApp } from './app.js';
import { createOrganization, findOrganizationBySlug } from './services/organizations.js';
import { PrincipalService } from './services/principals.js';
import { isRole } from './auth/roles.js';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { organizations } from './db/schema/index.js';
import { importTrace } from './services/capture/trace-import.js';
import { importCostsCommand } from './cli/import-costs.js';
import { loadDemo } from './services/demo.js';
import { requestLiveEstimate } from './jobs/live-estimate.js';

const { SingleBar, Presets } = cliProgress;

/** Runs `fn` against the configured database (starting the embedded one if needed), then shuts it all down. */
async function withDatabase<T>(config: Config, log: Logger, fn: (db: ReturnType<typeof connect>) => Promise<T>): Promise<T> {
  const { url, embedded } = await resolveDatabase(config, log);
  const database = connect(url, { max: 2 });
  try {
    await runMigrations(database);
    return await fn(database);
  } finally {
    await database.close();
    await embedded?.stop();
  }
}

const program = new Command('gct').description('GenomeCostTracker: what genomics pipelines cost, before, during and after the bill');

program
  .command('serve', { isDefault: true })
  .description('serve GraphQL (HTTP + WebSocket) and run background jobs')
  .addOption(new Option('--role <role>', 'api, worker or all').choices(['api', 'worker', 'all']))
  .addOption(new Option('--port <port>', 'HTTP port (overrides PORT)').argParser(portNumber))
  .action(async (opts: { role?: string; port?: number }) => {
    const config = loadConfig();
    if (opts.role) config.role = parseRole(opts.role);
    if (opts.port !== undefined) config.port = opts.port;
    const log = createLogger(config.logLevel);
    // a signal during start-up (the first one initialises Postgres, which takes a while) waits for the
    // start to finish and then stops everything: exiting at once would leave the embedded Postgres running
    let app: Awaited<ReturnType<typeof startApp>> | undefined;
    let stopping = false;
    let pending: string | undefined;
    const stop = async (signal: string) => {
      if (!app) {
        pending ??= signal;
        log.info({ signal }, 'shutting down once started');
        return;
      }
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      await app.close();
      log.info('stopped');
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
    app = await startApp(config, log, {
      onBootstrapKey: (key) =>
        process.stdout.write(
          `\n  Created the demo organization. Its admin API key (shown once, store it now):\n\n    ${key}\n\n` +
            `  Try: curl -s http://localhost:${config.port}/graphql -H 'content-type: application/json' \\\n` +
            `         -H 'authorization: Bearer ${key}' -d '{"query":"{ me { name role organization { name } } }"}'\n\n`,
        ),
    });
    if (pending) await stop(pending);
  });

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => {
    const config = loadConfig();
    const log = createLogger(config.logLevel);
    await withDatabase(config, log, async () => log.info('migrations applied'));
  });

const org = program.command('org').description('organizations');
org
  .command('create')
  .requiredOption('--name <name>', 'display name')
  .requiredOption('--slug <slug>', 'short unique name (a-z, 0-9, -)')
  .option('--currency <code>', 'ISO 4217 currency', 'USD')
  .action(async (opts: { name: string; slug: string; currency: string }) => {
    const config = loadConfig();
    const log = createLogger(config.logLevel);
    await withDatabase(config, log, async ({ db }) => {
      const { organization, adminKey } = await createOrganization(db, opts);
      process.stdout.write(`organization ${organization.slug} (${organization.id})\nadmin API key (shown once): ${adminKey}\n`);
    });
  });

const apikey = program.command('apikey').description('API keys');
apikey
  .command('create')
  .requiredOption('--org <slug>', 'organization slug')
  .requiredOption('--name <name>', 'what the key is for, e.g. "LIMS integration"')
  .addOption(new Option('--role <role>', 'VIEWER, ANALYST or ADMIN').default('VIEWER').choices(['VIEWER', 'ANALYST', 'ADMIN']))
  .action(async (opts: { org: string; name: string; role: string }) => {
    const config = loadConfig();
    const log = createLogger(config.logLevel);
    await withDatabase(config, log, async ({ db }) => {
      const found = await findOrganizationBySlug(db, opts.org);
      if (!found) throw new Error(`no organization with slug ${JSON.stringify(opts.org)}`);
      if (!isRole(opts.role)) throw new Error(`role must be VIEWER, ANALYST or ADMIN`);
      const { key } = await new PrincipalService(db, found.id).createApiKey({ name: opts.name, role: opts.role });
      process.stdout.write(`${key}\n`);
    });
  });

/** Checked before anything starts: `listen(NaN)` would fail only once Postgres is up and migrated. */
function portNumber(raw: string): number {
  const port = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('must be an integer from 0 to 65535.');
  return port;
}

/** The organization a CLI import writes to: `--org`, or the only one there is. */
async function resolveOrg(db: ReturnType<typeof connect>['db'], slug: string | undefined): Promise<string> {
  if (slug) {
    const found = await findOrganizationBySlug(db, slug);
    if (!found) throw new Error(`no organization with slug ${JSON.stringify(slug)}`);
    return found.id;
  }
  const all = await db.select({ id: organizations.id, slug: organizations.slug }).from(organizations).limit(2);
  if (all.length === 1) return all[0].id;
  throw new Error(all.length === 0 ? 'no organization yet: start the server once or run `org create`' : 'several organizations: say which with --org <slug>');
}

program
  .command('demo')
  .description('fill an organization with a realistic demo month (runs, bill, budget, anomaly, recommendations); safe to run again')
  .option('--org <slug>', 'organization', 'demo')
  .action(async (opts: { org: string }) => {
    const config = loadConfig();
    const log = createLogger(config.logLevel);
    await withDatabase(config, log, async ({ db }) => {
      const organization = await findOrganizationBySlug(db, opts.org);
      if (!organization) throw new Error(`no organization "${opts.org}": start the server once (it creates "demo"), or pass --org`);
      const report = await loadDemo(db, organization.id, config);
      process.stdout.write(`demo data for ${organization.slug} (${report.month}): ${report.runs} runs, ${report.tasks} tasks, ${report.billLines} bill lines, `
        + `${report.billed.map((b) => `${Number(b.amount).toFixed(2)} ${b.currency}`).join(', ')} billed; ${report.budgetAlerts} budget alert(s), ${report.anomalies} anomaly(ies), `
        + `${report.recommendations} recommendation(s)\n`);
    });
  });

const importCmd = program.command('import').description('import files: Nextflow traces, cost exports');
importCmd
  .command('trace <file>')
  .description('import a Nextflow trace file (tab-separated or CSV, human-readable or raw values) into a run')
  .option('--org <slug>', 'organization (default: the only one)')
  .option('--run <id>', 'the run it belongs to (default: a new run)')
  .option('--project <code>', 'tie the run to this project')
  .option('--tz <zone>', 'time zone of the machine that ran Nextflow', 'UTC')
  .action(async (fileArg: string, opts: { org?: string; run?: string; project?: string; tz: string }) => {
    const config = loadConfig();
    const file = path.resolve(config.invocationDir, fileArg);
    const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
    await withDatabase(config, log, async ({ db, sql }) => {
      const orgId = await resolveOrg(db, opts.org);
      const size = (await stat(file)).size;
      const input = createReadStream(file);
      const bar = new SingleBar({ format: 'importing {bar} {percentage}% | {value}/{total} bytes | {rows} rows', hideCursor: true }, Presets.shades_classic);
      bar.start(size, 0, { rows: 0 });
      const report = await importTrace(db, orgId, input, config.capture, {
        runId: opts.run,
        projectCode: opts.project,
        timeZone: opts.tz,
        fileName: path.basename(file),
        onProgress: (rows) => bar.update(input.bytesRead, { rows }),
      }).finally(() => bar.stop());
      // a worker re-prices the run (live estimate) when one is running against this database
      if (report.tasksCreated + report.tasksUpdated > 0) await requestLiveEstimate(sql, orgId, report.runId);
      process.stdout.write(
        `run ${report.runId}
rows read ${report.rowsRead}, tasks created ${report.tasksCreated}, updated ${report.tasksUpdated}, rejected ${report.rejectedCount}
` +
          (report.unknownColumns.length ? `unknown columns (ignored): ${report.unknownColumns.join(', ')}
` : '') +
          report.rejected.slice(0, 20).map((r) => `  line ${r.line}: ${r.reason}
`).join(''),
      );
    });
  });

importCmd
  .command('costs <file>')
  .description('import an Azure cost export or a FOCUS file (CSV, plain or gzip) into cost records')
  .addOption(new Option('--format <format>', 'azure, focus or auto (from the header)').default('auto').choices(['azure', 'focus', 'auto']))
  .option('--org <slug>', 'organization (default: the only one)')
  .option('--currency <code>', 'ISO 4217 currency of files that have no currency column')
  .option('--replace', "the file is the whole bill of its sub accounts over its days (a restated export, e.g. month to date): replace earlier imports' lines of them")
  .option('--delivery <id>', 'with --replace: the export run the file is part of (files of one run add up)')
  .action(async (fileArg: string, opts: { format: string; org?: string; currency?: string; replace?: boolean; delivery?: string }) => {
    const config = loadConfig();
    const file = path.resolve(config.invocationDir, fileArg);
    const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
    await withDatabase(config, log, async (database) => {
      const orgId = await resolveOrg(database.db, opts.org);
      await importCostsCommand(database, {
        file,
        format: opts.format,
        currency: opts.currency,
        replace: opts.replace === true,
        delivery: opts.delivery,
        orgId,
        out: process.stdout,
        progress: process.stderr.isTTY === true,
      });
    });
  });

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`error: ${describeError(err)}\n`);
  process.exit(1);
});

/**
 * What went wrong, for a person at a terminal. A failed query's own message is the SQL and every
 * parameter (a demo load's ran to half a megabyte) and hides the cause: Postgres's message is shown
 * instead, with its code, and any message is cut to a screenful.
 */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { message?: unknown; code?: unknown; detail?: unknown } | undefined;
  const fromDatabase = /^Failed query: /.test(err.message) && typeof cause?.message === 'string';
  const text = fromDatabase
    ? `database: ${String(cause!.message)}${typeof cause!.code === 'string' ? ` (${cause!.code})` : ''}${typeof cause!.detail === 'string' ? `; ${cause!.detail}` : ''}`
    : err.message;
  return text.length > 2000 ? `${text.slice(0, 2000)}… (${text.length - 2000} more characters)` : text;
}
