import { randomUUID } from 'node:crypto';
import { getOperationAST, type DocumentNode, type GraphQLFormattedError, type OperationTypeNode } from 'graphql';
import type { Viewer } from '../auth/roles.js';
import type { Logger } from '../logger.js';

/** A GraphQL Name: what an operation name must be. Anything else a client sent there is not logged. */
const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/**
 * The log of one graphql-ws operation: a line when a subscription starts (it may run for hours) and one
 * when any operation ends, as the HTTP server writes one per request. Each says who (organization and
 * principal, never the credential), what (operation type and name, never the variables), how long, how
 * many events a subscription delivered, and the codes of the errors it answered. `reqId` is the
 * operation's request id, also on its context's logger, so what its resolvers log can be matched.
 */
export class WsOperationLog {
  readonly reqId = randomUUID();
  /** For the operation's context: resolvers' lines carry its request id and operation id. */
  readonly log: Logger;
  private readonly started = process.hrtime.bigint();
  private operation: OperationTypeNode | undefined;
  private operationName: string | undefined;
  private viewer: Viewer | null | undefined;
  /** Set once its subscription runs: from then on, each result it answers is an event. */
  private streaming = false;
  private events = 0;
  private readonly codes = new Set<string>();
  private ended = false;

  constructor(parent: Logger, opId: string, operationName: unknown) {
    this.log = parent.child({ reqId: this.reqId, opId });
    if (typeof operationName === 'string' && NAME.test(operationName)) this.operationName = operationName.slice(0, 100);
  }

  caller(viewer: Viewer | null) {
    this.viewer = viewer;
  }

  /** The operation that runs, once resolved (its name from the document when the client sent none). */
  prepared(document: DocumentNode, operationName: string | null | undefined) {
    const operation = getOperationAST(document, operationName);
    this.operation = operation?.operation;
    this.operationName = operation?.name?.value ?? this.operationName;
  }

  /** A result went out (an event, once its subscription runs), with these errors as formatted for the client. */
  answered(errors: readonly GraphQLFormattedError[] | undefined) {
    if (this.streaming) this.events++;
    this.failed(errors);
  }

  /** Errors went out, as formatted for the client. */
  failed(errors: readonly GraphQLFormattedError[] | undefined) {
    for (const e of errors ?? []) this.codes.add(typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR');
  }

  subscribed() {
    this.streaming = true;
    this.log.info(this.fields(), 'graphql-ws subscription started');
  }

  /** Writes the line once, however many of graphql-ws's ends (complete, error, close) reach it. */
  end() {
    if (this.ended) return;
    this.ended = true;
    const ms = Number(process.hrtime.bigint() - this.started) / 1e6;
    this.log.info({ ...this.fields(), ms: Math.round(ms * 10) / 10, ...(this.operation === 'subscription' ? { events: this.events } : {}), ...(this.codes.size > 0 ? { errors: [...this.codes] } : {}) }, 'graphql-ws operation');
  }

  private fields() {
    return { operation: this.operation, operationName: this.operationName, orgId: this.viewer?.orgId, principalId: this.viewer?.principalId };
  }
}
