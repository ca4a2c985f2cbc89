import type { Server } from 'node:http';
import { execute, GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { CloseCode, type SubscribePayload } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';
import { authenticate } from '../auth/authenticate.js';
import type { Viewer } from '../auth/roles.js';
import { AppError } from '../errors.js';
import { createContext, type Context } from '../graphql/context.js';
import { formatErrors } from '../graphql/errors.js';
import type { OperationLimits } from '../graphql/limits.js';
import { prepareOperation } from '../graphql/prepare-operation.js';
import { sharedSubscribe } from '../graphql/shared-subscribe.js';
import type { HttpDeps } from './server.js';
import { WsOperationLog } from './ws-operation-log.js';

/** What the HTTP server hands the WS transport: its own dependencies, and the limits its Apollo applies. */
export type GraphqlWsDeps = Pick<HttpDeps, 'config' | 'db' | 'log' | 'schema' | 'verifyJwt' | 'events' | 'models' | 'boss'> & { limits: OperationLimits };

/**
 * What a connection keeps: the credential it opened with (checked again for every operation and event,
 * and every GCT_WS_REAUTH_SECONDS by `reauth`) and whom it stood for then, the ids of operations being
 * prepared, its running subscriptions (counted against the cap), and the logs of its unfinished operations.
 */
type Connection = {
  authorization?: string;
  connectedAs?: Viewer;
  reauth?: NodeJS.Timeout;
  expiry?: NodeJS.Timeout;
  preparing?: Set<string>;
  live?: Map<string, AsyncIterableIterator<ExecutionResult>>;
  operations?: Set<WsOperationLog>;
};
type Socket = Extra & Partial<Connection>;

/**
 * graphql-ws on /graphql, answering as GraphQL over HTTP does:
 *   - the caller is authenticated again for every operation (the same `authenticate` as HTTP: for an API
 *     key one indexed lookup), so a key revoked, or a JWT expired, since the socket opened is refused
 *     from its next operation on; the socket then closes with 4403, as it does when onConnect refuses;
 *   - operations pass the same validation rules and complexity budget, and every error (refusal,
 *     execution, event) is formatted by the same `formatError`, so codes and masking match;
 *   - one log line per operation (ws-operation-log.ts), as the HTTP server writes one per request.
 *
 * Running subscriptions: before each event goes out, its caller is authenticated again, and a caller
 * no longer valid (or no longer the same principal and role) closes the socket with 4403 instead of
 * receiving it. Chosen over a revocation event on the bus because it needs nothing from whoever revokes
 * (mutation, CLI or SQL), covers JWT expiry as well, and cannot be missed by a process whose LISTEN
 * connection dropped. Its cost is one lookup per credential per event, shared by that credential's
 * subscribers on this process (`singleFlight`).
 *
 * A subscription no event reaches would keep a revoked key's socket open (and its place on the bus)
 * forever, so each authenticated connection is also checked every GCT_WS_REAUTH_SECONDS, events or not:
 * one timer and one lookup per connection, however many subscriptions it runs, cleared when it closes.
 * A credential that says when it expires (a JWT's `exp`) is also checked then, so the connection does
 * not outlive it by up to an interval.
 *
 * Slow consumers: graphql-ws sends a subscription's next event only once the previous one was written
 * to the socket (it awaits ws's write callback), so ws's own buffer holds about one event per
 * subscription; what waits is the subscription's queue on the event bus, which a client reading too
 * slowly (or a burst faster than the events can be executed) would grow without bound. Each queue holds
 * at most GCT_WS_MAX_QUEUED_EVENTS; one more closes the connection with 1013 Try Again Later, logged,
 * and frees the queue at once. Closed rather than dropping events: a client that misses a budget breach
 * without knowing is worse off than one told to reconnect (graphql-ws's client retries on 1013), and
 * reading the current state again after reconnecting is what a client that fell behind needs anyway.
 */
export function serveGraphqlWs(server: Server, deps: GraphqlWsDeps): { dispose(): Promise<void> } {
  const { db, config, log, schema, limits } = deps;
  const format = formatErrors(log);
  const callerOf = (authorization: string | undefined) => authenticate(db, deps.verifyJwt, authorization);
  const callerForCheck = singleFlight(callerOf);
  /** Each operation's log, by the subscribe message's payload: graphql-ws hands every hook that same object, and ids can be reused. */
  const operationLogs = new WeakMap<object, WsOperationLog>();
  const endOperation = (socket: Socket, op: WsOperationLog | undefined) => {
    if (!op) return;
    op.end();
    socket.operations?.delete(op);
  };

  /** A credential no longer valid ends the connection, and with it every subscription it runs. */
  const closeForbidden = (socket: Socket, error: AppError) => {
    if (socket.socket.readyState !== WebSocket.OPEN) return;
    log.info({ orgId: socket.connectedAs?.orgId, principalId: socket.connectedAs?.principalId, reason: error.message }, 'graphql-ws connection closed: credential no longer valid');
    socket.socket.close(CloseCode.Forbidden, closeReason(`Forbidden: ${error.message}`));
  };

  /** A subscription fell GCT_WS_MAX_QUEUED_EVENTS behind: the connection closes, with all it runs. */
  const closeSlowConsumer = (socket: Socket, op: WsOperationLog) => {
    if (socket.socket.readyState !== WebSocket.OPEN) return;
    op.log.warn(
      { orgId: socket.connectedAs?.orgId, principalId: socket.connectedAs?.principalId, maxQueuedEvents: config.wsMaxQueuedEvents, bufferedAmount: socket.socket.bufferedAmount },
      'graphql-ws connection closed: slow consumer (a subscription fell GCT_WS_MAX_QUEUED_EVENTS events behind)',
    );
    socket.socket.close(SLOW_CONSUMER, closeReason(`Try Again Later: slow consumer, more than ${config.wsMaxQueuedEvents} events waiting for one subscription`));
  };

  /** Whether the connection's credential still stands for `as`; closes the socket if not. */
  const stillValid = async (socket: Socket, as: Viewer | null): Promise<boolean> => {
    let now: Viewer | null;
    try {
      now = await callerForCheck(socket.authorization);
    } catch (err) {
      if (!(err instanceof AppError)) throw err; // the subscription ends with a masked internal error: fail closed
      closeForbidden(socket, err);
      return false;
    }
    if (now?.orgId === as?.orgId && now?.principalId === as?.principalId && now?.role === as?.role) return true;
    closeForbidden(socket, new AppError('UNAUTHENTICATED', 'the credential now stands for another principal or role'));
    return false;
  };

  /**
   * The periodic check. A lookup that fails (database unreachable) leaves the socket open until the next
   * interval: closing every connection of the process on a database outage would only have them all
   * reconnect into it, and operations and events meanwhile fail closed on their own checks.
   */
  const reauth = async (socket: Socket) => {
    if (socket.socket.readyState !== WebSocket.OPEN) return clearInterval(socket.reauth);
    try {
      await stillValid(socket, socket.connectedAs ?? null);
    } catch (err) {
      log.warn({ err, orgId: socket.connectedAs?.orgId }, 'graphql-ws: could not check a connection\'s credential again; trying at the next interval');
    }
  };

  /** onSubscribe's answer: the operation's execution arguments, or the errors it is refused with. */
  const prepare = async (socket: Socket, id: string, payload: SubscribePayload, op: WsOperationLog): Promise<ExecutionArgs | readonly GraphQLError[]> => {
    // graphql-ws keys operations by id alone: an id subscribed again while its first operation is still
    // being prepared (subscribe, complete, subscribe) lets the first one's cleanup unregister the second,
    // which then runs on where no complete and no close reaches it. Refused until the first is under way.
    const preparing = (socket.preparing ??= new Set());
    if (preparing.has(id)) return [new GraphQLError(`operation "${id}" is still being prepared: use another id`, { extensions: { code: 'BAD_USER_INPUT' } })];
    preparing.add(id);
    let ready = false;
    try {
      let viewer: Viewer | null;
      try {
        viewer = await callerOf(socket.authorization);
      } catch (err) {
        if (!(err instanceof Error)) throw err;
        // a credential no longer valid closes the socket, so the answer below goes nowhere; a lookup that
        // failed (database gone) is answered as a masked internal error, logged by formatError
        if (err instanceof AppError) closeForbidden(socket, err);
        return [new GraphQLError(err.message, { originalError: err })];
      }
      op.caller(viewer);
      let prepared: ReturnType<typeof prepareOperation>;
      try {
        prepared = prepareOperation(schema, limits, payload);
      } catch (err) {
        // graphql-js's validation throws for a few documents (a subscription's root field under
        // @include($var)); thrown from here it would close the socket with 4500, ending every operation on it
        if (!(err instanceof Error)) throw err;
        return [new GraphQLError(err.message, { originalError: err })];
      }
      if ('errors' in prepared) return prepared.errors;
      op.prepared(prepared.document, payload.operationName);
      const events = deps.events.bounded({ max: config.wsMaxQueuedEvents, onOverflow: () => closeSlowConsumer(socket, op) });
      const contextValue: Context = createContext({ viewer, db, config, log: op.log, requestId: op.reqId, events, models: deps.models, boss: deps.boss });
      ready = true;
      return { schema, document: prepared.document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
    } finally {
      // an operation that goes on is under way once onOperation sees it, which it does on every path
      // from here: prepareOperation resolved the operation, and `execute` and `subscribe` do not throw
      if (!ready) preparing.delete(id);
    }
  };

  const wss = new WebSocketServer({ server, path: '/graphql' });
  const wsServer = useServer<Record<string, unknown>, Connection>(
    {
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const header = typeof params.authorization === 'string' ? params.authorization : typeof params.Authorization === 'string' ? params.Authorization : ctx.extra.request.headers.authorization;
        let viewer: Viewer | null;
        try {
          viewer = await callerOf(header);
        } catch (err) {
          if (err instanceof AppError) log.info({ reason: err.message }, 'graphql-ws connection refused');
          else log.warn({ err }, 'graphql-ws connection refused: its credential could not be checked');
          return false; // closes with 4403 Forbidden
        }
        ctx.extra.authorization = header;
        // nothing to revoke for an anonymous caller; a socket that closed while this looked up gets no timer (onClose has run)
        if (viewer && ctx.extra.socket.readyState === WebSocket.OPEN) {
          ctx.extra.connectedAs = viewer;
          ctx.extra.reauth = setInterval(() => void reauth(ctx.extra), config.wsReauthSeconds * 1000).unref();
          const untilExpiry = viewer.expiresAt ? viewer.expiresAt.getTime() - Date.now() + EXPIRY_MARGIN_MS : undefined;
          // past setTimeout's limit (some 24 days) it would fire at once; the interval covers such a token
          if (untilExpiry !== undefined && untilExpiry <= MAX_TIMEOUT_MS) ctx.extra.expiry = setTimeout(() => void reauth(ctx.extra), untilExpiry).unref();
        }
        return true;
      },
      onClose: (ctx) => {
        clearInterval(ctx.extra.reauth);
        clearTimeout(ctx.extra.expiry);
        // what graphql-ws has not ended yet: an operation still being prepared gets no complete and no error
        for (const op of ctx.extra.operations ?? []) endOperation(ctx.extra, op);
      },
      onSubscribe: async (ctx, id, payload) => {
        const op = new WsOperationLog(log, id, payload.operationName);
        operationLogs.set(payload, op);
        (ctx.extra.operations ??= new Set()).add(op);
        const answer = await prepare(ctx.extra, id, payload, op);
        // refused: onError ends its log, unless the client completed the id meanwhile (graphql-ws then sends nothing)
        if (Array.isArray(answer) && !(id in ctx.subscriptions)) endOperation(ctx.extra, op);
        return answer;
      },
      execute: settled(execute),
      // each event executed once per distinct subscription and fanned out, not once per subscriber
      subscribe: settled(sharedSubscribe()),
      onOperation: (ctx, id, payload, args, result) => {
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
        operationLogs.get(payload)?.subscribed();
        return running;
      },
      onNext: (_ctx, _id, payload, _args, result) => {
        const formatted = result.errors ? format(result.errors) : undefined;
        operationLogs.get(payload)?.answered(formatted);
        return formatted ? { ...result, errors: formatted } : undefined;
      },
      // errors end an operation: refused (nothing follows), or its subscription failed (only complete follows)
      onError: (ctx, _id, payload, errors) => {
        const formatted = format(errors);
        operationLogs.get(payload)?.failed(formatted);
        endOperation(ctx.extra, operationLogs.get(payload));
        return formatted;
      },
      onComplete: (ctx, _id, payload) => endOperation(ctx.extra, operationLogs.get(payload)),
      // close reasons of unexpected errors say "Internal server error", never the error's message
      isProd: true,
    },
    wss,
    config.wsKeepAliveSeconds * 1000,
  );
  return { dispose: async () => wsServer.dispose() };
}

/**
 * `execute` or `subscribe` answering a throw as an error result, masked and logged by onNext's formatError
 * like any unexpected error. graphql-ws lets a throw out of its message handler: the socket closes with
 * 4500, ending every operation on it, and onOperation never runs (nor releases the id from `preparing`).
 * graphql-js throws there for some documents validation accepts (a subscription whose only root field is
 * skipped: nothing left to subscribe to).
 */
function settled(run: (args: ExecutionArgs) => Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> | ExecutionResult) {
  return async (args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
    try {
      return await run(args);
    } catch (err) {
      return { errors: [new GraphQLError(err instanceof Error ? err.message : String(err), { originalError: err instanceof Error ? err : undefined })] };
    }
  };
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

/**
 * After a JWT's `exp`, by this much: jose refuses a token from its `exp` second on, and a timer that
 * fired a little early against the wall clock would find it still valid and leave it to the interval.
 */
const EXPIRY_MARGIN_MS = 250;

/**
 * 1013 Try Again Later (RFC 6455 registry): registered, so any WebSocket client knows it as "retry",
 * and graphql-ws's client does retry on it, where it gives up on its own 44xx codes; the reason says
 * it was this connection that fell behind, not the server that is overloaded.
 */
const SLOW_CONSUMER = 1013;
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A close reason is at most 123 bytes (RFC 6455). */
const closeReason = (reason: string) => {
  let r = reason;
  while (Buffer.byteLength(r) > 123) r = r.slice(0, -1);
  return r;
};

const isAsyncIterable = (x: unknown): x is AsyncIterable<ExecutionResult> => x != null && typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
