import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import { authenticate, type JwtVerifier } from '../auth/authenticate.js';
import type { Viewer } from '../auth/roles.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { invalidValueError } from '../db/invalid-value.js';
import { AppError, httpStatusOf } from '../errors.js';
import { createContext, type Context } from '../graphql/context.js';
import { argumentValuesPlugin } from '../graphql/argument-values.js';
import { formatError } from '../graphql/errors.js';
import { jitGateway, type JitExecutions } from '../graphql/jit-executor.js';
import { complexityLimitPlugin, operationLimits } from '../graphql/limits.js';
import { unstorableTextPlugin } from '../graphql/nul-characters.js';
import type { Logger } from '../logger.js';
import type { EventBus } from '../events/bus.js';
import type PgBoss from 'pg-boss';
import type { ModelRegistry } from '../models/registry.js';
import { graphqlHandler } from './graphql-http.js';
import { serveGraphqlWs } from './graphql-ws.js';
import { Router, type RequestContext } from './router.js';
import { corsFor } from './cors.js';
import { listen, mountHealth, routerListener, type Readiness } from './serve-router.js';

export interface HttpDeps {
  config: Config;
  db: Db;
  log: Logger;
  schema: GraphQLSchema;
  verifyJwt: JwtVerifier | undefined;
  events: EventBus;
  /** Estimation models (built-ins and GCT_MODEL_MODULES) and the job queue, for resolvers. */
  models: ModelRegistry;
  boss: PgBoss;
  readiness: Readiness;
  /** Extra plain-HTTP endpoints (weblog, uploads, exports) mounted by the app. */
  mount?: (router: Router, helpers: { viewerOf: (rc: RequestContext, authorization?: string) => Promise<Viewer | null> }) => void;
}

export interface HttpServer {
  server: Server;
  url: string;
  port: number;
  /** With GCT_GRAPHQL_EXECUTOR=jit: how many requests compiled code and graphql-js executed. */
  executions: JitExecutions | undefined;
  close(): Promise<void>;
}

export async function startHttpServer(deps: HttpDeps): Promise<HttpServer> {
  const { config, db, log, schema } = deps;
  const jit = config.graphqlExecutor === 'jit' ? jitGateway(schema) : undefined;
  // graphql-ws (graphql-ws.ts) applies the same limits and formatError
  const limits = operationLimits(schema, config);
  const apollo = new ApolloServer<Context>({
    ...(jit ? { gateway: jit.gateway } : { schema }),
    formatError: formatError(log),
    validationRules: limits.validationRules,
    // no cache control: answers are per organization and never cached, and its hook ran on every field of every result
    plugins: [unstorableTextPlugin(), argumentValuesPlugin(), complexityLimitPlugin(limits), ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled()],
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // the app owns shutdown order (HTTP, queue, pool, Postgres); Apollo's own signal handler would race it
    stopOnTerminationSignals: false,
  });
  await apollo.start();

  const viewerOf = (rc: RequestContext, authorization = rc.req.headers.authorization) => authenticate(db, deps.verifyJwt, authorization);

  const makeContext = async (rc: RequestContext): Promise<Context> => {
    // a bad credential still gets a GraphQL answer (UNAUTHENTICATED on protected fields), not a 500
    let viewer: Viewer | null = null;
    let authError: AppError | undefined;
    try {
      viewer = await viewerOf(rc);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      authError = err;
    }
    return createContext({ viewer, db, config, log: rc.log, requestId: rc.requestId, events: deps.events, models: deps.models, boss: deps.boss, authError });
  };

  const router = mountHealth(new Router().on(['GET', 'POST'], '/graphql', graphqlHandler(apollo, config.maxBodyBytes, makeContext)), deps.readiness, log);
  deps.mount?.(router, { viewerOf });

  const server = createServer(routerListener(router, log, corsFor(config.corsOrigins)));

  const wsServer = serveGraphqlWs(server, { config, db, log, schema, verifyJwt: deps.verifyJwt, events: deps.events, models: deps.models, boss: deps.boss, limits });

  const port = await listen(server, config.port, config.host);
  const url = `http://127.0.0.1:${port}`;
  log.info({ url: `http://localhost:${port}/graphql` }, 'GraphQL server listening');

  return {
    server,
    url,
    port,
    executions: jit?.executions,
    async close() {
      // stop accepting, end subscriptions, then let in-flight requests finish
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      log.debug('closing subscriptions');
      await wsServer.dispose();
      log.debug('closing idle connections');
      server.closeIdleConnections();
      await Promise.race([closed, delay(10_000).then(() => server.closeAllConnections())]);
      log.debug('stopping apollo');
      await apollo.stop();
    },
  };
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());
