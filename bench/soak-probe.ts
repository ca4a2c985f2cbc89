/**
 * Preloaded into a real server for bench/soak.ts (`node --expose-gc --import ./dist/bench/soak-probe.js
 * dist/src/cli.js serve`), never imported by src: on SIGUSR2 it collects garbage, then appends one JSON line
 * to $SOAK_PROBE_OUT with the process's memory, its active handles, and what the long-lived objects hold
 * (the event bus's subscribers, live AsyncQueues, graphql-ws connections and operation logs, DataLoaders).
 *
 * Objects are counted by prototype through the inspector's Runtime.queryObjects, from inside the process:
 * the app keeps them in closures and private fields no outside reference reaches. The modules imported here
 * are the ones the CLI imports (same URLs), so the prototypes are the app's own.
 */
import { appendFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Server as HttpServer } from 'node:http';
import { Socket } from 'node:net';
import DataLoader from 'dataloader';
import { WebSocket, WebSocketServer } from 'ws';
import { AsyncQueue } from '../src/events/async-queue.js';
import { EventBus } from '../src/events/bus.js';
import { WsOperationLog } from '../src/http/ws-operation-log.js';

const out = process.env.SOAK_PROBE_OUT;
if (!out) throw new Error('soak-probe: set SOAK_PROBE_OUT to the file samples are appended to');

const prototypes: Record<string, object> = {
  EventBus: EventBus.prototype,
  AsyncQueue: AsyncQueue.prototype,
  WsOperationLog: WsOperationLog.prototype,
  WebSocketServer: WebSocketServer.prototype,
  WebSocket: WebSocket.prototype,
  DataLoader: DataLoader.prototype,
  Socket: Socket.prototype,
  HttpServer: HttpServer.prototype,
};
(globalThis as Record<string, unknown>).__soakPrototypes = prototypes;

/** What is read of each class's live instances (`this` is the array of them). */
const readers: Record<string, string> = {
  EventBus: `function () { return this.map((b) => ({ subscribers: b.subscribers.size, loaders: b.loaders.size })); }`,
  AsyncQueue: `function () { return { n: this.length, open: this.filter((q) => !q.done).length, items: this.reduce((s, q) => s + q.items.length, 0), waiting: this.reduce((s, q) => s + q.waiting.length, 0) }; }`,
  WsOperationLog: `function () { return { n: this.length, unended: this.filter((o) => !o.ended).length }; }`,
  WebSocketServer: `function () { return this.map((s) => ({ clients: s.clients.size, listeners: s.eventNames().map((e) => e + ':' + s.listenerCount(e)).join(',') })); }`,
  WebSocket: `function () { return { n: this.length, byState: this.reduce((m, w) => ((m[w.readyState] = (m[w.readyState] ?? 0) + 1), m), {}), maxPongListeners: Math.max(0, ...this.map((w) => w.listenerCount('pong'))) }; }`,
  DataLoader: `function () { return { n: this.length, cached: this.reduce((s, l) => s + (l._cacheMap ? l._cacheMap.size : 0), 0) }; }`,
  Socket: `function () { return { n: this.length, destroyed: this.filter((s) => s.destroyed).length }; }`,
  HttpServer: `function () { return this.map((s) => s.eventNames().map((e) => e + ':' + s.listenerCount(e)).join(',')); }`,
};

const session = new Session();
session.connect();

async function count(name: string): Promise<unknown> {
  const group = 'soak';
  try {
    const proto = (await session.post('Runtime.evaluate', { expression: `globalThis.__soakPrototypes[${JSON.stringify(name)}]`, objectGroup: group })) as { result: { objectId?: string } };
    const found = (await session.post('Runtime.queryObjects', { prototypeObjectId: proto.result.objectId!, objectGroup: group })) as unknown as { objects: { objectId?: string } };
    const read = (await session.post('Runtime.callFunctionOn', { objectId: found.objects.objectId!, functionDeclaration: readers[name], returnByValue: true, objectGroup: group })) as {
      result: { value?: unknown };
      exceptionDetails?: { exception?: { description?: string } };
    };
    return read.exceptionDetails ? { error: read.exceptionDetails.exception?.description } : read.result.value;
  } finally {
    await session.post('Runtime.releaseObjectGroup', { objectGroup: group });
  }
}

let busy = false;
process.on('SIGUSR2', () => {
  if (busy) return;
  busy = true;
  void (async () => {
    try {
      (globalThis as { gc?: () => void }).gc?.();
      const objects: Record<string, unknown> = {};
      const ms: Record<string, number> = {};
      for (const name of Object.keys(prototypes)) {
        const t0 = performance.now();
        objects[name] = await count(name);
        ms[name] = Math.round(performance.now() - t0);
        // each count collects garbage and walks the heap (about a second): let I/O in between
        await new Promise((r) => setImmediate(r));
      }
      const resources: Record<string, number> = {};
      for (const r of process.getActiveResourcesInfo()) resources[r] = (resources[r] ?? 0) + 1;
      const m = process.memoryUsage();
      const sample = { at: new Date().toISOString(), rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, resources, objects, ms };
      appendFileSync(out, JSON.stringify(sample) + '\n');
    } catch (err) {
      appendFileSync(out, JSON.stringify({ at: new Date().toISOString(), error: String(err) }) + '\n');
    } finally {
      busy = false;
    }
  })();
});
