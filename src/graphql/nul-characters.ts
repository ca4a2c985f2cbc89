import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, visit, type DocumentNode } from 'graphql';
import { findUnstorable, MAX_JSON_DEPTH, TOO_DEEP_MESSAGE, type Unstorable } from '../input/text.js';

/**
 * The first string argument holding a character Postgres cannot store as sent (a NUL; an unpaired surrogate,
 * which jsonb refuses and text would store as U+FFFD), or an object or list nested past MAX_JSON_DEPTH,
 * written in the document or sent as a variable, or null. Every argument of every operation is checked here once, so no input type or service has to remember to.
 */
export function unstorableInRequest(document: DocumentNode, variables: Record<string, unknown> | undefined): Unstorable | null {
  let found: Unstorable | null = null;
  const path: string[] = [];
  // objects and lists written in the document are held to the depth variables are (findUnstorable)
  let depth = 0;
  const nest = {
    enter: () => {
      if (++depth > MAX_JSON_DEPTH && found === null) found = { at: path.join('.'), problem: TOO_DEEP_MESSAGE };
    },
    leave: () => void depth--,
  };
  visit(document, {
    Argument: { enter: (node) => void path.push(node.name.value), leave: () => void path.pop() },
    ObjectField: { enter: (node) => void path.push(node.name.value), leave: () => void path.pop() },
    ObjectValue: nest,
    ListValue: nest,
    StringValue(node) {
      if (found === null) found = findUnstorable(node.value, path.join('.'));
    },
  });
  if (found !== null) return found;
  for (const [name, value] of Object.entries(variables ?? {})) {
    const bad = findUnstorable(value, name);
    if (bad !== null) return bad;
  }
  return null;
}

/** `at` is the argument path: `input.name`, written in the document or sent as `$input`. */
export const unstorableTextError = ({ at, problem }: Unstorable) =>
  new GraphQLError(`${at}: ${problem}`, { extensions: { code: 'BAD_USER_INPUT', field: at, http: { status: 400 } } });

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
