import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { EVENTS_CHANNEL } from '../../src/events/bus.js';
import { RUN_UPDATED } from '../../src/services/capture/run-events.js';
import { createOrgWithKeys, startTestApp, untilSubscribers, type TestApp } from '../support/app.js';
import { until } from '../support/until.js';
import { rawWsClient } from '../support/ws-client.js';

const MAX_QUEUED = 50;
const BATCH = 20;

/**
 * A subscriber that stops reading its socket: graphql-ws waits for each write to finish before it takes
 * the next event, so once the kernel's buffers are full the events wait in the subscription's queue on
 * the event bus. That queue is bounded by GCT_WS_MAX_QUEUED_EVENTS; past it the connection is closed
 * with 1013, and a client that reads receives the very same events and stays connected.
 */
describe('graphql-ws slow consumer', () => {
  let t: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let runId: string;
  const sockets: WebSocket[] = [];

  before(async () => {
    // the paused client answers no ping: a long keep-alive keeps the ping from closing it (1006) before the
    // queue does (1013) on a slow machine
    t = await startTestApp({ env: { GCT_WS_MAX_QUEUED_EVENTS: String(MAX_QUEUED), GCT_WS_KEEPALIVE_SECONDS: '600' } });
    keys = await createOrgWithKeys(t.db, 'slow-consumer');
    assert.equal((await t.gql(`mutation { createProject(input: {code: "SLOW", name: "slow"}) { id } }`, {}, keys.admin)).errors, undefined);
    const reg = await t.gql<{ registerRun: { id: string } }>(`mutation { registerRun(input: {projectCode: "SLOW", pipeline: "nf-core/rnaseq"}) { id } }`, {}, keys.analyst);
    assert.equal(reg.errors, undefined, JSON.stringify(reg.errors));
    runId = reg.data!.registerRun.id;
  });
  after(async () => {
    for (const ws of sockets) ws.terminate();
    await t.close();
  });

  /** `n` distinct runUpdated events in one statement (NOTIFY folds identical payloads of one transaction into one). */
  let published = 0;
  const publish = async (n: number) => {
    const from = published;
    published += n;
    await t.db.sql`select pg_notify(${EVENTS_CHANNEL}, json_build_object('topic', ${RUN_UPDATED}::text, 'orgId', ${keys.org.id}::text, 'key', ${runId}::text, 'n', g)::text)
                   from generate_series(${from}::int, ${published - 1}::int) g`;
  };

  test('a subscriber that stops reading is closed with 1013 once GCT_WS_MAX_QUEUED_EVENTS events wait for it; one that reads the same events is not', async () => {
    // some 100 kB an event, so a paused socket's kernel buffers fill after a few dozen events
    const query = `subscription($id: ID!) { runUpdated(runId: $id) { id ${Array.from({ length: 3000 }, (_, i) => `f${i}: updatedAt`).join(' ')} } }`;
    const reader = await rawWsClient(t.url, keys.viewer);
    const stalled = await rawWsClient(t.url, keys.viewer);
    sockets.push(reader.ws, stalled.ws);
    reader.subscribe('r', query, { id: runId });
    stalled.subscribe('s', query, { id: runId });
    await untilSubscribers(t, 2);
    const socketOf = (ws: WebSocket) => (ws as unknown as { _socket: import('node:net').Socket })._socket;
    socketOf(stalled.ws).pause();

    const received = () => reader.messages.filter((m) => m.type === 'next' && m.id === 'r').length;
    let maxQueued = 0;
    // batches smaller than the bound, each delivered to the reader before the next: the reader's queue
    // never fills, the stalled subscriber's grows by a batch each time its socket cannot take more
    while (t.app.events!.subscriberCount === 2) {
      assert.ok(published < 5000, `the stalled subscriber was still connected after ${published} events (${t.app.events!.queuedCount} queued)`);
      await publish(BATCH);
      await until(() => `the reader to receive ${published} events, has ${received()}`, () => received() >= published || t.app.events!.subscriberCount < 2);
      maxQueued = Math.max(maxQueued, t.app.events!.queuedCount);
    }
    // the stalled subscription left the bus, and at most the bound (plus the reader's batch in flight) ever waited
    assert.ok(maxQueued <= MAX_QUEUED + BATCH, `up to ${maxQueued} events were queued`);
    assert.ok(t.logs.some((l) => l.includes('slow consumer')), 'the close is logged');

    // the reader goes on: the same events, and more, reach it over a connection that stays open
    await publish(BATCH);
    await until(() => `the reader to receive ${published} events, has ${received()}`, () => received() >= published);
    assert.equal(reader.ws.readyState, WebSocket.OPEN);
    assert.equal(t.app.events!.queuedCount, 0);

    // the stalled client, reading again, finds what it was sent and then the close: 1013, saying why
    socketOf(stalled.ws).resume();
    const closed = await stalled.closed;
    assert.equal(closed.code, 1013, JSON.stringify(closed));
    assert.match(closed.reason, /slow consumer/);
    assert.ok(stalled.messages.filter((m) => m.type === 'next').length < published);
    assert.equal(reader.messages.filter((m) => m.type === 'error' || m.type === 'complete').length, 0);
  });
});
