import type { ApolloServerPlugin } from '@apollo/server';
import {
  BREAK, getArgumentValues, getNullableType, getVariableValues, GraphQLError, isInputObjectType, isListType, isScalarType,
  TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLInputType, type GraphQLSchema, type OperationDefinitionNode,
} from 'graphql';
import { AppError } from '../errors.js';
import { instantInYears } from '../input/dates.js';

/**
 * The most items any list argument takes (the longest a field allows is 100: filters). A list without its
 * own `@ArrayMaxSize` reached SQL whole: 100,000 run statuses answered INTERNAL_SERVER_ERROR.
 */
export const MAX_LIST_ITEMS = 1000;

/** The scalar `Date` inputs are read with (build-schema.ts maps `Date` to graphql-scalars' DateTime). */
const DATE_TIME = 'DateTime';

/**
 * The first argument value (at any depth of an input object or list) the API refuses whatever the field, as
 * the BAD_USER_INPUT naming it by argument path (`input.startsAt`, `filter.createdFrom`, `since`), or null:
 * - a DateTime outside the years the API serves (`input/dates.ts`). The DateTime scalar takes years 0 to
 *   9999, and an offset moves 9999-12-31 into year 10000: past what Postgres reads (a 500), or a budget,
 *   window or series spanning millennia;
 * - a list of more than MAX_LIST_ITEMS items;
 * - a String or ID of white space only. Fields refuse "" (`@Length(1, …)`), and "   " is the same mistake:
 *   it was stored as a pool's region and VM size (trimmed to ""), a run's region, revision and name, a
 *   project's cost centre.
 * Checked once here, on the values as graphql-js coerces them (literals, variables and their defaults
 * alike), so that no argument or service has to remember to. `variables` are the operation's coerced
 * variable values. JSONObject values are not looked into: a label value is the caller's data.
 */
export function refusedArgument(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): GraphQLError | null {
  let refused: GraphQLError | null = null;
  const typeInfo = new TypeInfo(schema);
  visit(document, visitWithTypeInfo(typeInfo, {
    // only the operation that runs (and the fragments it may spread) carries these variables
    OperationDefinition: (node) => (node === operation ? undefined : false),
    Field(node) {
      const field = typeInfo.getFieldDef();
      if (!field || field.args.length === 0) return;
      let args: Record<string, unknown>;
      try {
        args = getArgumentValues(field, node, variables);
      } catch {
        return; // not a valid argument: execution answers it
      }
      for (const arg of field.args) {
        refused = refusedValue(args[arg.name], arg.type, arg.name);
        if (refused) return BREAK;
      }
    },
  }));
  return refused;
}

function refusedValue(value: unknown, type: GraphQLInputType, path: string): GraphQLError | null {
  if (value === null || value === undefined) return null;
  const t = getNullableType(type);
  if (isListType(t)) {
    const items = Array.isArray(value) ? value : [value];
    if (items.length > MAX_LIST_ITEMS) {
      return new GraphQLError(`${path}: at most ${MAX_LIST_ITEMS} items, got ${items.length}`, { extensions: { field: path, code: 'BAD_USER_INPUT', http: { status: 400 } } });
    }
    for (let i = 0; i < items.length; i++) {
      const found = refusedValue(items[i], t.ofType, `${path}.${i}`);
      if (found) return found;
    }
    return null;
  }
  if (isInputObjectType(t)) {
    for (const field of Object.values(t.getFields())) {
      const found = refusedValue((value as Record<string, unknown>)[field.name], field.type, `${path}.${field.name}`);
      if (found) return found;
    }
    return null;
  }
  if (!isScalarType(t)) return null;
  if ((t.name === 'String' || t.name === 'ID') && typeof value === 'string' && value !== '' && value.trim() === '') {
    return new GraphQLError(`${path}: must not be blank (white space only)`, { extensions: { field: path, code: 'BAD_USER_INPUT', http: { status: 400 } } });
  }
  if (t.name !== DATE_TIME || !(value instanceof Date)) return null;
  try {
    instantInYears(path, value);
    return null;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return new GraphQLError(err.message, { extensions: { ...err.details, code: err.code, http: { status: 400 } } });
  }
}

/** Refuses, before execution, an operation passing a value no field takes (see refusedArgument). */
export function argumentValuesPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation, schema }) {
          if (!operation) return;
          const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}, { maxErrors: 50 });
          // variables that do not fit their type: execution answers them (BAD_USER_INPUT), as without this check
          if (coerced.errors) return;
          const refused = refusedArgument(schema, document, operation, coerced.coerced);
          if (refused) throw refused;
        },
      };
    },
  };
}
