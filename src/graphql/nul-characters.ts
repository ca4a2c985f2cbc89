import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, visit, type DocumentNode } from 'graphql';
import { findNul, hasNul, NUL_MESSAGE } from '../input/text.js';

/**
 * The path of the first string argument holding a NUL, written in the document (`input.name`) or sent
 * as a variable (`input.name` for `$input`), or null. Every argument of every operation is checked
 * here once, so no input type or service has to remember to.
 */
export function nulInRequest(document: DocumentNode, variables: Record<string, unknown> | undefined): string | null {
  let found: string | null = null;
  const path: string[] = [];
  visit(document, {
    Argument: { enter: (node) => void path.push(node.name.value), leave: () => void path.pop() },
    ObjectField: { enter: (node) => void path.push(node.name.value), leave: () => void path.pop() },
    StringValue(node) {
      if (found === null && hasNul(node.value)) found = path.join('.');
    },
  });
  if (found !== null) return found;
  for (const [name, value] of Object.entries(variables ?? {})) {
    const at = findNul(value, name);
    if (at !== null) return at;
  }
  return null;
}

export const nulError = (field: string) => new GraphQLError(`${field}: ${NUL_MESSAGE}`, { extensions: { code: 'BAD_USER_INPUT', field, http: { status: 400 } } });

/** Refuses, before execution, a request with a NUL character in any string it passes (Postgres text cannot hold one). */
export function nulCharacterPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const field = nulInRequest(document, request.variables);
          if (field !== null) throw nulError(field);
        },
      };
    },
  };
}
