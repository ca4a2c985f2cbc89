import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { createOrgWithKeys, startTestApp, type TestApp } from '../support/app.js';

/** A signed-in graphql-ws connection; `autoPong: false` plays a peer that is gone without closing. */
async function connect(url: string, key: string, autoPong: boolean) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', { autoPong });
  let pings = 0;
  const pinged: (() => void)[] = [];
  ws.on('ping', () => {
    pings += 1;
    for (const f of pinged.splice(0)) f();
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } })));
    ws.once('message', (m) => (JSON.parse(String(m)).type === 'connection_ack' ? resolve() : reject(new Error(String(m)))));
    ws.once('error', reject);
  });
  const untilPings = async (n: number) => {
    while (pings < n) await new Promise<void>((resolve) => pinged.push(resolve));
  };
  return { ws, closed, untilPings, pings: () => pings };
}

describe('graphql-ws keep-alive (GCT_WS_KEEPALIVE_SECONDS)', () => {
  let t: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;
  before(async () => {
    t = await startTestApp({ env: { GCT_WS_KEEPALIVE_SECONDS: '1' } });
    keys = await createOrgWithKeys(t.db, 'keepalive');
  });
  after(() => t.close());

  test('pings at the configured period; a peer that answers stays, one that does not is closed', { timeout: 20_000 }, async () => {
    const alive = await connect(t.url, keys.viewer, true);
    const silent = await connect(t.url, keys.viewer, false);
    try {
      // three pings of a 1 s period come within the 20 s bound; at the default 12 s they would take 36 s
      await alive.untilPings(3);
      assert.equal(alive.ws.readyState, WebSocket.OPEN, 'a peer answering pings is kept');
      // the silent peer is terminated once a ping went unanswered for a period: no close frame
      assert.equal(await silent.closed, 1006);
    } finally {
      alive.ws.terminate();
      silent.ws.terminate();
    }
  });
});
