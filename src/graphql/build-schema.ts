import 'reflect-metadata';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchemaSync, type PubSub } from 'type-graphql';
import type { GraphQLSchema } from 'graphql';
import { resolvers } from '../resolvers/index.js';
import { authChecker } from './auth-checker.js';

/**
 * Every subscription brings its own org-scoped `subscribe` (see EventBus), but type-graphql will not build
 * a schema with subscriptions unless some PubSub is configured: this one says so if anything reaches it.
 */
const topicsNotSupported: PubSub = {
  publish: () => {
    throw new Error('publish through publishEvent (Postgres NOTIFY), not the type-graphql PubSub');
  },
  subscribe: () => {
    throw new Error('subscriptions must declare `subscribe` (EventBus); topic-based subscriptions are not wired');
  },
};

/** The one schema: built from the type-graphql classes; `schema.graphql` is its checked-in print. */
export function buildAppSchema(): GraphQLSchema {
  return buildSchemaSync({
    resolvers,
    authChecker,
    // validation errors become BAD_USER_INPUT naming the field (see graphql/errors.ts)
    validate: { forbidUnknownValues: false },
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    pubSub: topicsNotSupported,
  });
}
