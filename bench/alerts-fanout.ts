/**
 * Alert fan-out: N graphql-ws subscribers (one socket each, on loopback) to `alertRaised`, M alerts
 * raised through raiseAlert (insert + NOTIFY on commit → LISTEN in the API process → one load per
 * event → graphql-ws to every subscriber). Baseline in the same run: the same payload broadcast to
 * N plain `ws` sockets by a bare WebSocketServer. Prints publish-to-receive p50/p99 (publish = just
 * before the raising transaction starts; for ws, just before the broadcast loop) and counts lost and
 * duplicated deliveries.
 *   node dist/bench/alerts-fanout.js [--subscribers 1000] [--alerts 1000] [--interval-ms 50]
 * Clients and server share this process (and the machine's cores), as they share loopback.
 */
// before anything loads graphql-js: the server as it runs (see src/production-mode)
import '../src/production-mode.js';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { createClient, type Client } from 'graphql-ws';
import WebSocket, { WebSocketServer } from 'ws';
import { raiseAlert } from '../src/services/alerts.js';
import { fmt, percentile, startBenchApp } from './support.js';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const SUBSCRIBERS = arg('subscribers', 1000);
const ALERTS = arg('alerts', 1000);
const INTERVAL_MS = arg('interval-ms', 50);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Per subscriber, which alert numbers arrived (and how often), and every latency sample. */
class Tally {
  readonly seen: Uint8Array[] = Array.from({ length: SUBSCRIBERS }, () => new Uint8Array(ALERTS));
  readonly latencies = new Float64Array(SUBSCRIBERS * ALERTS);
  count = 0;
  constructor(readonly publishedAt: Float64Array) {}
  receive(subscriber: number, n: number, at: number) {
    this.seen[subscriber][n]++;
    if (this.count < this.latencies.length) this.latencies[this.count] = at - this.publishedAt[n];
    this.count++;
  }
  summary() {
    let lost = 0;
    let duplicated = 0;
    for (const s of this.seen) for (const c of s) c === 0 ? lost++ : c > 1 && (duplicated += c - 1);
    const sorted = Array.from(this.latencies.subarray(0, Math.min(this.count, this.latencies.length))).sort((a, b) => a - b);
    return { received: this.count, lost, duplicated, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
  }
  async waitForAll(ms = 120_000) {
    const end = Date.now() + ms;
    while (this.count < SUBSCRIBERS * ALERTS && Date.now() < end) await sleep(50);
  }
}

const env = await startBenchApp();
const clients: Client[] = [];
const pending: [number, number, number][] = [];
try {
  // 1. graphql-ws through the app: LISTEN/NOTIFY, one load per event, fan-out
  const gqlPublished = new Float64Array(ALERTS);
  const gqlCommitted = new Float64Array(ALERTS);
  const gql = new Tally(gqlPublished);
  const fromCommit = new Tally(gqlCommitted);
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const client = createClient({
      url: `${env.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${env.analystKey}` },
      retryAttempts: 0,
      lazy: false,
    });
    clients.push(client);
    client.subscribe<{ alertRaised: { id: string; title: string; severity: string; raisedAt: string } }>(
      { query: 'subscription { alertRaised { id title kind severity message raisedAt } }' },
      {
        next: (v) => {
          const at = performance.now();
          const title = v.data?.alertRaised.title;
          if (!title) return;
          const n = Number(title.slice(title.lastIndexOf('#') + 1));
          gql.receive(i, n, at);
          pending.push([i, n, at]);
        },
        error: (e) => console.error('subscription error', e),
        complete: () => {},
      },
    );
  }
  while (env.app.events!.subscriberCount < SUBSCRIBERS) await sleep(50);
  const db = env.app.database.db;
  const txMs: number[] = [];
  const g0 = performance.now();
  for (let n = 0; n < ALERTS; n++) {
    const next = g0 + n * INTERVAL_MS;
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
    gqlPublished[n] = performance.now();
    await db.transaction((tx) =>
      raiseAlert(tx, env.orgId, { kind: 'ANOMALY', severity: 'WARNING', dedupeKey: `bench:${n}`, title: `Bench alert #${n}`, message: 'fan-out benchmark' }),
    );
    gqlCommitted[n] = performance.now();
    txMs.push(gqlCommitted[n] - gqlPublished[n]);
  }
  await gql.waitForAll();
  const gqlMs = performance.now() - g0;
  // receipts that beat the commit acknowledgement to this process count from when it came
  for (const [i, n, at] of pending) fromCommit.receive(i, n, Math.max(at, gqlCommitted[n]));
  for (const c of clients.splice(0)) await c.dispose();

  // 2. baseline: the same payloads broadcast by a bare ws server to plain sockets
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const port = (wss.address() as AddressInfo).port;
  const rawPublished = new Float64Array(ALERTS);
  const raw = new Tally(rawPublished);
  const sockets: WebSocket[] = [];
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`);
    ws.on('message', (data) => {
      const at = performance.now();
      const msg = JSON.parse(String(data)) as { payload: { data: { alertRaised: { title: string } } } };
      const title = msg.payload.data.alertRaised.title;
      raw.receive(i, Number(title.slice(title.lastIndexOf('#') + 1)), at);
    });
    sockets.push(ws);
  }
  await Promise.all(sockets.map((s) => new Promise((r) => (s.readyState === WebSocket.OPEN ? r(null) : s.once('open', r)))));
  while (wss.clients.size < SUBSCRIBERS) await sleep(20);
  const r0 = performance.now();
  for (let n = 0; n < ALERTS; n++) {
    const next = r0 + n * INTERVAL_MS;
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
    rawPublished[n] = performance.now();
    // the shape graphql-ws sends, serialised once, as a hand-written broadcaster would
    const payload = JSON.stringify({
      id: 'x',
      type: 'next',
      payload: { data: { alertRaised: { id: crypto.randomUUID(), title: `Bench alert #${n}`, kind: 'ANOMALY', severity: 'WARNING', message: 'fan-out benchmark', raisedAt: new Date().toISOString() } } },
    });
    for (const c of wss.clients) c.send(payload);
  }
  await raw.waitForAll();
  const rawMs = performance.now() - r0;
  for (const s of sockets) s.close();
  await new Promise((r) => wss.close(r));

  const a = gql.summary();
  const b = raw.summary();
  console.log(`alert fan-out: ${SUBSCRIBERS} subscribers × ${ALERTS} alerts, one every ${INTERVAL_MS} ms (${SUBSCRIBERS * ALERTS} deliveries each)`);
  console.log(`                              p50 ms    p99 ms    max ms   received   lost  duplicated  wall s`);
  const row = (name: string, s: ReturnType<Tally['summary']>, ms: number) =>
    console.log(`  ${name.padEnd(26)} ${fmt(s.p50, 2).padStart(8)} ${fmt(s.p99, 2).padStart(9)} ${fmt(s.max, 1).padStart(9)} ${String(s.received).padStart(10)} ${String(s.lost).padStart(6)} ${String(s.duplicated).padStart(11)} ${fmt(ms / 1000, 1).padStart(7)}`);
  row('graphql-ws, from raise', a, gqlMs);
  row('graphql-ws, from commit', fromCommit.summary(), gqlMs);
  row('raw ws broadcast', b, rawMs);
  txMs.sort((x, y) => x - y);
  console.log(`  (of which raising: the insert + NOTIFY transaction, p50 ${fmt(percentile(txMs, 50), 2)} ms, p99 ${fmt(percentile(txMs, 99), 2)} ms)`);
  const c = fromCommit.summary();
  console.log(`  p99 ratio graphql-ws / raw ws: from raise ${fmt(a.p99 / b.p99, 2)}, from commit ${fmt(c.p99 / b.p99, 2)}   p50 ratio: ${fmt(a.p50 / b.p50, 2)}, ${fmt(c.p50 / b.p50, 2)}`);
} finally {
  // after a full run, shutdown has been seen to hang (not yet understood): do not keep a terminal or CI waiting
  setTimeout(() => {
    console.error('alerts-fanout: shutdown took over 20 s; exiting');
    process.exit(0);
  }, 20_000).unref();
  for (const c of clients) await c.dispose();
  await env.close();
}
