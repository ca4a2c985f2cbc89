import 'reflect-metadata';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchemaSync, type PubSub } from 'type-graphql';
import type { GraphQLSchema } from 'graphql';
import { resolvers } from '../resolvers/index.js';
import { authChecker } from './auth-checker.js';

/** The one schema: built from the type-graphql classes; `schema.graphql` is its checked-in print. */
export function buildAppSchema(pubSub?: PubSub): GraphQLSchema {
  return buildSchemaSync({
    resolvers,
    authChecker,
    // validation errors become BAD_USER_INPUT naming the field (see graphql/errors.ts)
    validate: { forbidUnknownValues: false },
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    pubSub,
  });
}
