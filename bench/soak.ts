/**
 * Soak: drives a real server (`node dist/src/cli.js serve`, started with bench/soak-probe.ts preloaded) for a
 * while with weblog runs, graphql-ws clients that unsubscribe, close, vanish or go silent, queries, mutations,
 * refused requests and cost imports, and prints every 30 s what the server holds. After the load it lets the
 * server settle with no client connected and samples again: what is still held then, beyond the start, grows
 * with what the server has seen.
 *
 * The server, on a fresh database (the probe answers SIGUSR2; see soak-probe.ts):
 *   DATABASE_URL=postgres://…/soak_db PORT=4555 GCT_BOOTSTRAP_ADMIN_KEY=gct_… SOAK_PROBE_OUT=/tmp/probe.jsonl \
 *   node --expose-gc --import ./dist/bench/soak-probe.js dist/src/cli.js serve
 * then the load:
 *   SOAK_URL=http://127.0.0.1:4555 SOAK_KEY=gct_… SOAK_PID=<server pid> SOAK_PROBE_OUT=/tmp/probe.jsonl \
 *   SOAK_DB_URL=postgres://…/soak_db SOAK_MINUTES=12 node dist/bench/soak.js
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import postgres from 'postgres';
import WebSocket from 'ws';
import { fixturePath } from '../test/support/fixtures.js';

const env = (name: string, fallback?: string) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`soak: set ${name}`);
  return v;
};
const url = env('SOAK_URL');
const key = env('SOAK_KEY');
const pid = Number(env('SOAK_PID'));
const probeOut = env('SOAK_PROBE_OUT');
const dbUrl = env('SOAK_DB_URL');
const minutes = Number(env('SOAK_MINUTES', '12'));
const sampleMs = Number(env('SOAK_SAMPLE_SECONDS', '30')) * 1000;
const settleMs = Number(env('SOAK_SETTLE_SECONDS', '40')) * 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const counters = { runs: 0, weblogEvents: 0, weblogErrors: 0, wsConnections: 0, subscriptions: 0, wsVanished: 0, wsSilent: 0, queries: 0, refusedQueries: 0, imports: 0, failures: 0 };
let stopping = false;

async function gql<T = any>(query: string, variables: Record<string, unknown> = {}, auth: string | null = key): Promise<{ data?: T; errors?: { message: string; extensions?: { code?: string } }[] }> {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) }, body: JSON.stringify({ query, variables }) });
  counters.queries++;
  return (await res.json()) as any;
}

// ---- weblog runs -----------------------------------------------------------------------------------------
const recentRuns: string[] = [];
const PROCESSES = ['FASTQC', 'TRIMGALORE', 'STAR_ALIGN', 'SALMON_QUANT', 'MULTIQC'];

async function postWeblog(body: object): Promise<void> {
  const res = await fetch(`${url}/nextflow/weblog`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
  counters.weblogEvents++;
  if (res.status >= 300) counters.weblogErrors++;
  await res.arrayBuffer();
}

async function oneRun(i: number): Promise<void> {
  let registered: string | undefined;
  if (i % 2 === 0) {
    const r = await gql<{ registerRun: { id: string } }>(
      `mutation($i: RegisterRunInput!) { registerRun(input: $i) { id } }`,
      { i: { projectCode: 'P-SOAK', pipeline: 'nf-core/rnaseq', revision: '3.14.0', sampleCount: 4, inputBytes: 4_000_000_000 } },
    );
    registered = r.data?.registerRun.id;
  }
  const sessionId = randomUUID();
  const runName = `soak_${i}`;
  const t0 = Date.now() - 3_600_000;
  const params = { project: 'P-SOAK', ...(registered ? { gct_run_id: registered } : {}) };
  const workflow = (complete?: number) => ({
    runName, sessionId, start: new Date(t0).toISOString(), ...(complete ? { complete: new Date(complete).toISOString(), success: true } : {}),
    commandLine: 'nextflow run nf-core/rnaseq -with-weblog', manifest: { name: 'nf-core/rnaseq', version: '3.14.0' }, projectName: 'nf-core/rnaseq', revision: '3.14.0', nextflow: { version: '23.10.0' },
  });
  const base = { runName, runId: sessionId };
  await postWeblog({ ...base, event: 'started', utcTime: new Date(t0).toISOString(), metadata: { parameters: params, workflow: workflow() } });
  if (registered) remember(registered);
  const tasks = 12;
  let last = t0;
  for (let k = 1; k <= tasks; k++) {
    const process = PROCESSES[k % PROCESSES.length];
    const submit = t0 + k * 60_000;
    const task = { task_id: k, hash: `ab/${k}${i}`, native_id: `job-${i}-${k}`, name: `${process} (s${k % 4})`, process, tag: `s${k % 4}`, cpus: 2, memory: 4 * 1024 ** 3, attempt: 1 };
    await postWeblog({ ...base, event: 'process_submitted', utcTime: new Date(submit).toISOString(), trace: { ...task, status: 'SUBMITTED', submit } });
    await postWeblog({ ...base, event: 'process_started', utcTime: new Date(submit + 1000).toISOString(), trace: { ...task, status: 'RUNNING', submit, start: submit + 1000 } });
    const complete = submit + 300_000;
    last = complete;
    await postWeblog({
      ...base, event: 'process_completed', utcTime: new Date(complete).toISOString(),
      trace: { ...task, status: 'COMPLETED', exit: 0, submit, start: submit + 1000, complete, duration: 299_000, realtime: 290_000, '%cpu': 180.5, peak_rss: 2 * 1024 ** 3, peak_vmem: 3 * 1024 ** 3, rchar: 1e9, wchar: 5e8 },
    });
  }
  // a malformed event now and then: answered 400, nothing kept
  if (i % 5 === 0) await postWeblog({ ...base, event: 'process_completed', utcTime: 'yesterday', trace: { task_id: 'x' } });
  await postWeblog({ ...base, event: 'completed', utcTime: new Date(last).toISOString(), metadata: { parameters: params, workflow: workflow(last) } });
  counters.runs++;
}

function remember(runId: string) {
  recentRuns.push(runId);
  if (recentRuns.length > 20) recentRuns.shift();
}

async function weblogLoop(worker: number): Promise<void> {
  for (let i = worker; !stopping; i += 4) {
    try {
      await oneRun(i);
    } catch (err) {
      counters.failures++;
      console.error('run', String(err), String((err as { cause?: unknown }).cause ?? ''));
    }
  }
}

// ---- graphql-ws clients --------------------------------------------------------------------------------
const wsUrl = `${url.replace(/^http/, 'ws')}/graphql`;

interface Raw {
  ws: WebSocket;
  acked: Promise<boolean>;
  closed: Promise<void>;
  subscribe(id: string, query: string, variables?: Record<string, unknown>): void;
  complete(id: string): void;
}

function connect(auth: string = key): Raw {
  const ws = new WebSocket(wsUrl, 'graphql-transport-ws');
  counters.wsConnections++;
  ws.on('error', () => {});
  const closed = new Promise<void>((r) => ws.once('close', () => r()));
  const acked = new Promise<boolean>((resolve) => {
    ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${auth}` } })));
    ws.on('message', (m) => {
      if ((JSON.parse(String(m)) as { type: string }).type === 'connection_ack') resolve(true);
    });
    void closed.then(() => resolve(false));
  });
  return {
    ws,
    acked,
    closed,
    subscribe: (id, query, variables = {}) => {
      counters.subscriptions++;
      ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    },
    complete: (id) => ws.send(JSON.stringify({ id, type: 'complete' })),
  };
}

const SUBSCRIPTIONS = (runId: string): [string, Record<string, unknown>][] => [
  [`subscription($id: ID!) { estimateUpdated(runId: $id) { kind value currency } }`, { id: runId }],
  [`subscription($id: ID!) { runUpdated(runId: $id) { id status } }`, { id: runId }],
  [`subscription { alertRaised(kinds: [BUDGET_ACTUAL, BUDGET_FORECAST]) { id kind severity } }`, {}],
  [`subscription { alertRaised { id } }`, {}],
  [`subscription { budgetBreached(scope: { kind: PROJECT, projectCode: "NOPE" }) { budgetId } }`, {}],
];

async function subscribeAll(c: Raw, prefix: string): Promise<string[]> {
  const runId = recentRuns[Math.floor(Math.random() * recentRuns.length)] ?? randomUUID();
  const ids: string[] = [];
  SUBSCRIPTIONS(runId).forEach(([q, v], n) => {
    const id = `${prefix}${n}`;
    c.subscribe(id, q, v);
    ids.push(id);
  });
  return ids;
}

async function wsScenario(n: number): Promise<void> {
  const kind = n % 6;
  if (kind === 5) {
    // a refused credential: 4403 at connect
    const c = connect('gct_not-a-real-key-xxxxxxxxxxxxxxxxxxxx');
    await c.closed;
    return;
  }
  const c = connect();
  if (!(await c.acked)) return;
  const ids = await subscribeAll(c, 's');
  await sleep(300 + Math.random() * 1500);
  switch (kind) {
    case 0: // subscribe, then unsubscribe each, then close
      for (const id of ids) c.complete(id);
      await sleep(200);
      c.ws.close(1000);
      break;
    case 1: // vanish: the TCP socket destroyed, no close frame
      counters.wsVanished++;
      (c.ws as unknown as { _socket: { destroy(): void } })._socket.destroy();
      break;
    case 2: // refused operations and a query over the socket, then close
      c.subscribe('bad1', `subscription($id: ID!) { runUpdated(runId: $id) { id } }`, { id: randomUUID() }); // NOT_FOUND
      c.subscribe('bad2', `subscription { runUpdated( }`);
      c.subscribe('bad3', `subscription { nope }`);
      c.subscribe('q', `{ me { role } }`);
      c.subscribe('m', `mutation { createProject(input: {code: "", name: ""}) { id } }`);
      await sleep(500);
      c.ws.close(1000);
      break;
    case 3: // close without unsubscribing
      c.ws.close(1000);
      break;
    case 4: // go silent: stop reading (no pong); the server's keep-alive must end it
      counters.wsSilent++;
      (c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      setTimeout(() => (c.ws as unknown as { _socket: { destroy(): void } })._socket.destroy(), 60_000).unref();
      return;
  }
  await Promise.race([c.closed, sleep(5000)]);
}

async function wsLoop(): Promise<void> {
  for (let n = 0; !stopping; n++) {
    try {
      await wsScenario(n);
    } catch (err) {
      counters.failures++;
      console.error('ws', String(err));
    }
    await sleep(200);
  }
}

/** One connection held for the whole soak, subscribing and unsubscribing over and over. */
async function longLivedLoop(): Promise<Raw> {
  const c = connect();
  await c.acked;
  void (async () => {
    for (let n = 0; !stopping && c.ws.readyState === WebSocket.OPEN; n++) {
      const ids = await subscribeAll(c, `l${n}-`);
      await sleep(1000);
      for (const id of ids) c.complete(id);
      await sleep(300);
    }
  })();
  return c;
}

// ---- queries and mutations -----------------------------------------------------------------------------
const QUERIES: [string, Record<string, unknown>, string | null][] = [
  [`query($i: EstimateInput!) { estimate(input: $i) { value currency low high basis } }`, { i: { pipeline: 'nf-core/rnaseq', samples: 12, inputBytes: 48_000_000_000 } }, key],
  [`query($f: BreakdownFilterInput!) { costBreakdown(filter: $f, groupBy: [{dimension: PROJECT}]) { edges { node { keys { value } actual { amount } } } } }`, { f: { from: '2024-01-01T00:00:00Z', to: '2026-12-01T00:00:00Z' } }, key],
  [`{ runs(first: 20) { edges { node { id status estimatedCost { amount } estimates(first: 3) { kind } } } } }`, {}, key],
  [`{ alerts { edges { node { kind title } } } }`, {}, key],
  [`{ me { role } }`, {}, null], // unauthenticated
  [`{ runs( }`, {}, key], // parse error
  [`{ nope }`, {}, key], // validation
  [`query($i: EstimateInput!) { estimate(input: $i) { basis } }`, { i: { pipeline: 'nf-core/rnaseq', samples: -1 } }, key], // bad input
  [`{ me { role } }`, {}, 'gct_revoked-or-never-issued-xxxxxxxxxxxx'],
];

async function queryLoop(): Promise<void> {
  for (let n = 0; !stopping; n++) {
    const [q, v, auth] = QUERIES[n % QUERIES.length];
    try {
      const r = await gql(q, v, auth);
      if (r.errors) counters.refusedQueries++;
    } catch (err) {
      counters.failures++;
      console.error('query', String(err), String((err as { cause?: unknown }).cause ?? ''));
    }
    await sleep(50);
  }
}

// ---- cost imports --------------------------------------------------------------------------------------
const focusLines = readFileSync(fixturePath('focus-sample', 'focus_sample.csv'), 'utf8').split('\n');
async function importLoop(): Promise<void> {
  for (let n = 0; !stopping; n++) {
    const start = 1 + (n % 20) * 40;
    const body = n % 4 === 3 ? 'this,is,not\na,cost,export\n' : [focusLines[0], ...focusLines.slice(start, start + 40)].join('\n') + '\n';
    try {
      const res = await fetch(`${url}/import/costs?format=auto&fileName=soak-${n}.csv`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body });
      await res.arrayBuffer();
      counters.imports++;
    } catch (err) {
      counters.failures++;
      console.error('import', String(err), String((err as { cause?: unknown }).cause ?? ''));
    }
    await sleep(15_000);
  }
}

// ---- sampling ------------------------------------------------------------------------------------------
const admin = postgres(dbUrl, { max: 1, onnotice: () => {} });
const dbName = new URL(dbUrl).pathname.slice(1);

interface ProbeSample {
  at: string;
  rss: number;
  heapUsed: number;
  resources: Record<string, number>;
  objects: Record<string, any>;
  error?: string;
}

async function probe(): Promise<ProbeSample> {
  const before = (() => {
    try {
      return statSync(probeOut).size;
    } catch {
      return 0;
    }
  })();
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 1200; i++) {
    await sleep(100);
    const text = (() => {
      try {
        return readFileSync(probeOut, 'utf8');
      } catch {
        return '';
      }
    })();
    if (Buffer.byteLength(text) > before && text.endsWith('\n')) return JSON.parse(text.trimEnd().split('\n').at(-1)!) as ProbeSample;
  }
  throw new Error('the probe did not answer in 120 s');
}

const rows: Record<string, string | number>[] = [];
async function sample(label: string): Promise<void> {
  const p = await probe();
  const [{ n }] = await admin<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where datname = ${dbName}`;
  const o = p.objects ?? {};
  const mb = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;
  const row = {
    t: label,
    rssMB: mb(p.rss),
    heapMB: mb(p.heapUsed),
    pgConns: n,
    wsClients: o.WebSocketServer?.[0]?.clients ?? '?',
    busSubs: o.EventBus?.[0]?.subscribers ?? '?',
    queuesOpen: o.AsyncQueue?.open ?? '?',
    queues: o.AsyncQueue?.n ?? '?',
    queued: o.AsyncQueue?.items ?? '?',
    opLogs: o.WsOperationLog?.n ?? '?',
    opLogsOpen: o.WsOperationLog?.unended ?? '?',
    webSockets: o.WebSocket?.n ?? '?',
    loaders: o.DataLoader?.n ?? '?',
    sockets: o.Socket?.n ?? '?',
    timeouts: p.resources?.Timeout ?? 0,
    tcp: (p.resources?.TCPSocketWrap ?? 0) + (p.resources?.TCPWrap ?? 0),
    ...counters,
  };
  rows.push(row);
  console.log(JSON.stringify(row));
  if (p.error) console.log('probe error', p.error);
  if (label === 'end' || label === 'settled') console.log(JSON.stringify({ label, objects: o, resources: p.resources }));
}

async function setup(): Promise<void> {
  const p = await gql(`mutation { createProject(input: {code: "P-SOAK", name: "Soak"}) { id } }`);
  if (p.errors && p.errors[0].extensions?.code !== 'CONFLICT') console.log('createProject', JSON.stringify(p.errors));
  const b = await gql(
    `mutation { createBudget(input: {name: "Soak", scope: {kind: ORGANIZATION}, period: MONTH, amount: "5", currency: "USD", thresholds: [{percent: 50, basis: FORECAST}, {percent: 80, basis: ACTUAL}]}) { id } }`,
  );
  if (b.errors) console.log('createBudget', JSON.stringify(b.errors));
}

async function main(): Promise<void> {
  await setup();
  await sample('start');
  const started = Date.now();
  const loops = [weblogLoop(0), weblogLoop(1), weblogLoop(2), weblogLoop(3), wsLoop(), wsLoop(), queryLoop(), importLoop()];
  const longLived = await longLivedLoop();
  while (Date.now() - started < minutes * 60_000) {
    await sleep(sampleMs);
    await sample(`${Math.round((Date.now() - started) / 1000)}s`);
  }
  stopping = true;
  await Promise.race([Promise.all(loops), sleep(30_000)]);
  longLived.ws.close(1000);
  await sample('end');
  // silent clients are ended by graphql-ws's keep-alive (12 s ping, 12 s for the pong)
  await sleep(settleMs);
  await sample('settled');
  await admin.end();
}

await main();
