import type { ApolloServerPlugin } from '@apollo/server';
import depthLimit from 'graphql-depth-limit';
import { getOperationAST, getVariableValues, GraphQLError, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import type { Config } from '../config.js';

/**
 * The limits every operation passes before it runs, whichever transport brought it (Apollo over HTTP,
 * graphql-ws): validation rules added to graphql-js's own, and a complexity budget.
 */
export interface OperationLimits {
  /** Run with graphql-js's `specifiedRules`; a failure is GRAPHQL_VALIDATION_FAILED. */
  validationRules: ValidationRule[];
  /** QUERY_TOO_COMPLEX when the operation costs more than the budget, else undefined. */
  complexityError(document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined): GraphQLError | undefined;
}

/**
 * A list field costs its children times the page it asks for, so `first: 500` of a deep tree is priced as such.
 * Pages beyond the maximum are priced at the maximum: the resolver refuses them with a clearer message.
 */
const pageSizeEstimator =
  (maxPageSize: number): ComplexityEstimator =>
  ({ args, childComplexity }) => {
    const first = typeof args.first === 'number' ? Math.min(args.first, maxPageSize) : undefined;
    return first === undefined ? undefined : 1 + childComplexity * first;
  };

export function operationLimits(schema: GraphQLSchema, config: Pick<Config, 'maxQueryDepth' | 'maxQueryComplexity' | 'maxPageSize'>): OperationLimits {
  const { maxQueryComplexity: maxComplexity, maxPageSize } = config;
  return {
    validationRules: [depthLimit(config.maxQueryDepth)],
    complexityError(document, operationName, variables) {
      // variables that do not coerce: execution answers them. Checked first with graphql-js's error limit, which
      // getComplexity does not set: 100,000 invalid enum values took it seconds of CPU, one error message each
      const operation = getOperationAST(document, operationName);
      if (operation && 'errors' in getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {}, { maxErrors: 50 })) return undefined;
      let complexity: number;
      try {
        complexity = getComplexity({
          schema,
          query: document,
          operationName: operationName ?? undefined,
          variables: variables ?? undefined,
          estimators: [pageSizeEstimator(maxPageSize), simpleEstimator({ defaultComplexity: 1 })],
        });
      } catch (err) {
        // variables that do not coerce: execution answers BAD_USER_INPUT naming them (and no value of
        // theirs, which may be a secret, reaches a log line from here)
        if (err instanceof GraphQLError) return undefined;
        throw err;
      }
      if (complexity <= maxComplexity) return undefined;
      return new GraphQLError(`query is too complex: ${complexity} > ${maxComplexity}; ask for fewer fields or smaller pages`, {
        extensions: { code: 'QUERY_TOO_COMPLEX', complexity, maxComplexity },
      });
    },
  };
}

/** Apollo's side of the complexity budget: checked once the operation is resolved, before it executes. */
export function complexityLimitPlugin(limits: OperationLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const error = limits.complexityError(document, request.operationName, request.variables);
          if (error) throw error;
        },
      };
    },
  };
}
