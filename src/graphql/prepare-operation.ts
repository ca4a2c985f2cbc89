import { ApolloServerErrorCode } from '@apollo/server/errors';
import { getOperationAST, GraphQLError, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { buildExecutionContext } from 'graphql/execution/execute.js';
import { refusedArgument } from './argument-values.js';
import type { OperationLimits } from './limits.js';
import { unstorableInRequest, unstorableTextError } from './nul-characters.js';

export interface OperationRequest {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

/**
 * What Apollo's request pipeline checks before executing, for a transport that does not go through
 * Apollo (graphql-ws), refused with the codes Apollo answers over HTTP:
 *   1. parse: GRAPHQL_PARSE_FAILED;
 *   2. graphql-js's rules and the limits' rules (depth): GRAPHQL_VALIDATION_FAILED;
 *   3. the complexity budget: QUERY_TOO_COMPLEX;
 *   4. the operation to run (OPERATION_RESOLUTION_FAILURE) and its variables (BAD_USER_INPUT), found
 *      by graphql-js as execution would. Apollo only learns these from execution's errors; checking them
 *      here answers the same errors before any resolver runs;
 *   5. a NUL or an unpaired surrogate in any string argument (nul-characters.ts), a DateTime outside the years served
 *      or a blank string (argument-values.ts): BAD_USER_INPUT.
 */
export function prepareOperation(schema: GraphQLSchema, limits: OperationLimits, request: OperationRequest): { document: DocumentNode } | { errors: GraphQLError[] } {
  let document: DocumentNode;
  try {
    document = parse(request.query);
  } catch (err) {
    if (!(err instanceof GraphQLError)) throw err;
    return { errors: [withCode(err, ApolloServerErrorCode.GRAPHQL_PARSE_FAILED)] };
  }
  const invalid = validate(schema, document, [...specifiedRules, ...limits.validationRules]);
  if (invalid.length > 0) return { errors: invalid.map((e) => withCode(e, ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED)) };

  const tooComplex = limits.complexityError(document, request.operationName, request.variables);
  if (tooComplex) return { errors: [tooComplex] };

  const built = buildExecutionContext({ schema, document, operationName: request.operationName, variableValues: request.variables });
  if (!('operation' in built)) {
    const code = getOperationAST(document, request.operationName) ? ApolloServerErrorCode.BAD_USER_INPUT : ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE;
    return { errors: built.map((e) => withCode(e, code)) };
  }
  const unstorable = unstorableInRequest(document, request.variables ?? undefined);
  if (unstorable !== null) return { errors: [unstorableTextError(unstorable)] };
  const outside = refusedArgument(schema, document, built.operation, built.variableValues);
  if (outside) return { errors: [outside] };
  return { document };
}

/** The error with Apollo's code, as Apollo's own error classes wrap it (keeping what it said and where). */
const withCode = (error: GraphQLError, code: ApolloServerErrorCode) =>
  new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, originalError: error.originalError ?? error, extensions: { ...error.extensions, code } });
