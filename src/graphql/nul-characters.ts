import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, visit, type DocumentNode } from 'graphql';
import { findUnstorable, hasLoneSurrogate, hasNul, LONE_SURROGATE_MESSAGE, NUL_MESSAGE } from '../input/text.js';

export interface UnstorableText {
  /** The argument path: `input.name`, or `input.name` for `$input` */
  field: string;
  problem: string;
}

/**
 * The first string argument holding a character Postgres cannot store as sent (a NUL; an unpaired surrogate,
 * which jsonb refuses and text would store as U+FFFD), written in the document or sent as a variable, or
 * null. Every argument of every operation is checked here once, so no input type or service has to remember to.
 */
export function unstorableInRequest(document: DocumentNode, variables: Record<string, unknown> | undefined): UnstorableText | null {
  let found: UnstorableText | null = null;
  const path: string[] = [];
  visit(document, {
    Argument: { enter: (node) => void path.push(node.name.value), leave: () => void path.pop() },
    ObjectField: { enter: (node) => void path.push(node.name.value), leave: () => void path.pop() },
    StringValue(node) {
      if (found !== null) return;
      if (hasNul(node.value)) found = { field: path.join('.'), problem: NUL_MESSAGE };
      else if (hasLoneSurrogate(node.value)) found = { field: path.join('.'), problem: LONE_SURROGATE_MESSAGE };
    },
  });
  if (found !== null) return found;
  for (const [name, value] of Object.entries(variables ?? {})) {
    const bad = findUnstorable(value, name);
    if (bad !== null) return { field: bad.at, problem: bad.problem };
  }
  return null;
}

export const unstorableTextError = ({ field, problem }: UnstorableText) =>
  new GraphQLError(`${field}: ${problem}`, { extensions: { code: 'BAD_USER_INPUT', field, http: { status: 400 } } });

/** Refuses, before execution, a request passing a string Postgres cannot store (see unstorableInRequest). */
export function unstorableTextPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const found = unstorableInRequest(document, request.variables);
          if (found !== null) throw unstorableTextError(found);
        },
      };
    },
  };
}
