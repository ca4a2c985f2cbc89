import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';

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

export function complexityLimitPlugin(schema: GraphQLSchema, maxComplexity: number, maxPageSize: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          let complexity: number;
          try {
            complexity = getComplexity({
              schema,
              query: document,
              operationName: request.operationName,
              variables: request.variables,
              estimators: [pageSizeEstimator(maxPageSize), simpleEstimator({ defaultComplexity: 1 })],
            });
          } catch (err) {
            // variables that do not coerce: execution answers BAD_USER_INPUT naming them (and no value of
            // theirs, which may be a secret, reaches a log line from here)
            if (err instanceof GraphQLError) return;
            throw err;
          }
          if (complexity > maxComplexity) {
            throw new GraphQLError(`query is too complex: ${complexity} > ${maxComplexity}; ask for fewer fields or smaller pages`, {
              extensions: { code: 'QUERY_TOO_COMPLEX', complexity, maxComplexity },
            });
          }
        },
      };
    },
  };
}
