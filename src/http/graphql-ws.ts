import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { authenticate } from '../auth/authenticate.js';
import type { Viewer } from '../auth/roles.js';
import { AppError } from '../errors.js';
import { createContext, type Context } from '../graphql/context.js';
import { formatErrors } from '../graphql/errors.js';
import type { OperationLimits } from '../graphql/limits.js';
import { prepareOperation } from '../graphql/prepare-operation.js';
import { sharedSubscribe } from '../graphql/shared-subscribe.js';
import type { HttpDeps } from './server.js';

/** What the HTTP server hands the WS transport: its own dependencies, and the limits its Apollo applies. */
export type GraphqlWsDeps = Pick<HttpDeps, 'config' | 'db' | 'log' | 'schema' | 'verifyJwt' | 'events' | 'models' | 'boss'> & { limits: OperationLimits };

/**
 * What a connection keeps: the credential it opened with (checked again for every operation and event),
 * the ids of operations being prepared, and its running subscriptions (counted against the cap).
 */
type Connection = { authorization?: string; preparing?: Set<string>; live?: Map<string, AsyncIterableIterator<ExecutionResult>> };
type Socket = Extra & Partial<Connection>;

/**
 * graphql-ws on /graphql, answering as GraphQL over HTTP does:
 *   - the caller is authenticated again for every operation (the same `authenticate` as HTTP: for an API
 *     key one indexed lookup), so a key revoked, or a JWT expired, since the socket opened is refused
 *     from its next operation on; the socket then closes with 4403, as it does when onConnect refuses;
 *   - operations pass the same validation rules and complexity budget, and every error (refusal,
 *     execution, event) is formatted by the same `formatError`, so codes and masking match.
 *
 * Running subscriptions: before each event goes out, its caller is authenticated again, and a caller
 * no longer valid (or no longer the same principal and role) closes the socket with 4403 instead of
 * receiving it. Chosen over a revocation event on the bus because it needs nothing from whoever revokes
 * (mutation, CLI or SQL), covers JWT expiry as well, and cannot be missed by a process whose LISTEN
 * connection dropped; over a periodic re-check because nothing reaches a revoked caller in between.
 * Its cost is one lookup per credential per event, shared by that credential's subscribers on this
 * process (`singleFlight`). A subscription of a revoked key that never gets another event stays open,
 * and silent, until its next operation or event.
 */
export function serveGraphqlWs(server: Server, deps: GraphqlWsDeps): { dispose(): Promise<void> } {
  const { db, config, log, schema, limits } = deps;
  const format = formatErrors(log);
  const callerOf = (authorization: string | undefined) => authenticate(db, deps.verifyJwt, authorization);
  const callerForEvent = singleFlight(callerOf);

  /** A credential no longer valid ends the connection, and with it every subscription it runs. */
  const closeForbidden = (socket: Socket, error: AppError) => socket.socket.close(CloseCode.Forbidden, closeReason(`Forbidden: ${error.message}`));

  /** Whether a subscription's caller is still the one it subscribed as; closes the socket if not. */
  const stillValid = async (socket: Socket, subscribedAs: Viewer | null): Promise<boolean> => {
    let now: Viewer | null;
    try {
      now = await callerForEvent(socket.authorization);
    } catch (err) {
      if (!(err instanceof AppError)) throw err; // the subscription ends with a masked internal error: fail closed
      closeForbidden(socket, err);
      return false;
    }
    if (now?.orgId === subscribedAs?.orgId && now?.principalId === subscribedAs?.principalId && now?.role === subscribedAs?.role) return true;
    closeForbidden(socket, new AppError('UNAUTHENTICATED', 'the credential now stands for another principal or role'));
    return false;
  };

  const wss = new WebSocketServer({ server, path: '/graphql' });
  const wsServer = useServer<Record<string, unknown>, Connection>(
    {
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const header = typeof params.authorization === 'string' ? params.authorization : typeof params.Authorization === 'string' ? params.Authorization : ctx.extra.request.headers.authorization;
        try {
          await callerOf(header);
        } catch {
          return false; // closes with 4403 Forbidden
        }
        ctx.extra.authorization = header;
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        // graphql-ws keys operations by id alone: an id subscribed again while its first operation is still
        // being prepared (subscribe, complete, subscribe) lets the first one's cleanup unregister the second,
        // which then runs on where no complete and no close reaches it. Refused until the first is under way.
        const preparing = (ctx.extra.preparing ??= new Set());
        if (preparing.has(id)) return [new GraphQLError(`operation "${id}" is still being prepared: use another id`, { extensions: { code: 'BAD_USER_INPUT' } })];
        preparing.add(id);
        let ready = false;
        try {
          let viewer: Viewer | null;
          try {
            viewer = await callerOf(ctx.extra.authorization);
          } catch (err) {
            if (!(err instanceof Error)) throw err;
            // a credential no longer valid closes the socket, so the answer below goes nowhere; a lookup that
            // failed (database gone) is answered as a masked internal error, logged by formatError
            if (err instanceof AppError) closeForbidden(ctx.extra, err);
            return [new GraphQLError(err.message, { originalError: err })];
          }
          const prepared = prepareOperation(schema, limits, payload);
          if ('errors' in prepared) return prepared.errors;
          const contextValue: Context = createContext({ viewer, db, config, log, requestId: randomUUID(), events: deps.events, models: deps.models, boss: deps.boss });
          ready = true;
          return { schema, document: prepared.document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
        } finally {
          // an operation that goes on is under way once onOperation sees it
          if (!ready) preparing.delete(id);
        }
      },
      // each event executed once per distinct subscription and fanned out, not once per subscriber
      subscribe: sharedSubscribe(),
      onOperation: (ctx, id, _payload, args, result) => {
        ctx.extra.preparing?.delete(id);
        if (!isAsyncIterable(result)) return undefined;
        // the connection's running subscriptions, counted here, where they start (a subscribe refused or
        // still authenticating holds nothing); each holds memory and a place in every fan-out
        const live = (ctx.extra.live ??= new Map());
        // never two under one id (see onSubscribe): the older could no longer be reached
        live.get(id)?.return?.();
        live.delete(id);
        if (live.size >= config.maxWsOperations) {
          void result[Symbol.asyncIterator]().return?.();
          return { errors: [new GraphQLError(`at most ${config.maxWsOperations} subscriptions run at once on one connection (GCT_WS_MAX_OPERATIONS)`, { extensions: { code: 'TOO_MANY_OPERATIONS' } })] };
        }
        const subscribedAs = (args.contextValue as Context).viewer;
        const keep = ctx.extra.authorization === undefined ? async () => true : () => stillValid(ctx.extra, subscribedAs);
        const running = whileTrue(result, keep, () => {
          if (live.get(id) === running) live.delete(id);
        });
        live.set(id, running);
        return running;
      },
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: format(result.errors) } : undefined),
      onError: (_ctx, _id, _payload, errors) => format(errors),
      // close reasons of unexpected errors say "Internal server error", never the error's message
      isProd: true,
    },
    wss,
  );
  return { dispose: async () => wsServer.dispose() };
}

/**
 * Passes a subscription's results on while `keep` answers true for each; at the first false the source
 * ends and so does the stream. `ended` is called when it ends, whichever way (perhaps twice: it must not
 * mind). `return()` goes straight to the source, even while a `next()` waits (see mapAsync in
 * shared-subscribe.ts for why).
 */
function whileTrue(source: AsyncIterable<ExecutionResult>, keep: () => Promise<boolean>, ended: () => void): AsyncIterableIterator<ExecutionResult> {
  const it = source[Symbol.asyncIterator]();
  return {
    async next() {
      const r = await it.next();
      if (r.done) ended();
      if (r.done || (await keep())) return r;
      ended();
      await it.return?.();
      return { done: true, value: undefined };
    },
    async return() {
      ended();
      await it.return?.();
      return { done: true, value: undefined };
    },
    async throw(error: unknown) {
      ended();
      await it.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * One call at a time per key: callers asking while one runs share its answer, later callers start a new
 * one. An event reaches all of a process's subscribers at once, so their checks of one credential cost
 * one lookup, and none reuses an answer older than the lookup in flight.
 */
function singleFlight<T>(fn: (key: string | undefined) => Promise<T>): (key: string | undefined) => Promise<T> {
  const inFlight = new Map<string | undefined, Promise<T>>();
  return (key) => {
    let p = inFlight.get(key);
    if (!p) {
      p = fn(key).finally(() => inFlight.delete(key));
      inFlight.set(key, p);
    }
    return p;
  };
}

/** A close reason is at most 123 bytes (RFC 6455). */
const closeReason = (reason: string) => {
  let r = reason;
  while (Buffer.byteLength(r) > 123) r = r.slice(0, -1);
  return r;
};

const isAsyncIterable = (x: unknown): x is AsyncIterable<ExecutionResult> => x != null && typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
