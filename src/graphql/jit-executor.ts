import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { BREAK, execute, GraphQLError, Kind, printSchema, visit, type DocumentNode, type ExecutionResult, type GraphQLSchema, type OperationDefinitionNode, type ValueNode } from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { compileVariableParsing as CompileVariableParsing } from 'graphql-jit/dist/variables.js';
import { createRequire } from 'node:module';

// graphql-jit's ES build of this module imports a path without its extension, which Node refuses; its
// CommonJS build is the one `graphql-jit` itself loads
const { compileVariableParsing } = createRequire(import.meta.url)('graphql-jit/dist/variables.js') as { compileVariableParsing: typeof CompileVariableParsing };

/** Requests executed so far by compiled code and by graphql-js (a variable error found while checking for compiled code counts as neither). */
export interface JitExecutions {
  compiled: number;
  interpreted: number;
}

type VariableParser = ReturnType<typeof compileVariableParsing>;
interface Jitted {
  query: CompiledQuery;
  variables: VariableParser;
  /** Variables the operation declares without a default: each must be sent for the compiled form to serve. */
  required: string[];
}

/**
 * Queries run as code compiled per operation (graphql-jit) instead of graphql-js walking the document
 * for every object of the result: an explorer page of 500 groups resolves about 12,000 fields, and the
 * walk cost as much as the HTTP around it (bench/explorer).
 *
 * Apollo Server 5 takes an executor only from a gateway, so this is one that serves a fixed schema.
 * Everything before execution stays Apollo's (parsing, validation, the depth and complexity limits,
 * context, error formatting). The compiled form serves a request only where its arguments are provably
 * the ones graphql-js would pass; otherwise graphql-js executes it, as without this:
 *   - only queries (a mutation's answer is small; its input is where defaults and omissions matter);
 *   - not when an argument is an object or list written around a variable (graphql-jit fills an unsent
 *     variable there with null where graphql-js leaves the field out);
 *   - not when a variable without a default is unsent (graphql-jit passes undefined over the argument's
 *     default), nor when graphql-jit's coercion of the variables differs from graphql-js's (it does not
 *     apply input fields' defaults); graphql-js's coercion errors are the answer, as Apollo gives them.
 * Compiled operations are kept per parsed document, which Apollo caches (bounded) and reuses for the
 * same query text, so they go when it evicts them.
 */
export function jitGateway(schema: GraphQLSchema): { gateway: GatewayInterface; executions: JitExecutions } {
  const executions: JitExecutions = { compiled: 0, interpreted: 0 };
  const compiled = new WeakMap<DocumentNode, Map<string, Jitted | null>>();

  const jitted = (document: DocumentNode, operation: OperationDefinitionNode, operationName: string | undefined): Jitted | null => {
    let byName = compiled.get(document);
    if (!byName) compiled.set(document, (byName = new Map()));
    const key = operationName ?? '';
    let entry = byName.get(key);
    if (entry === undefined) {
      entry = null;
      if (operation.operation === 'query' && !hasVariableInsideLiteral(document)) {
        const query = compileQuery(schema, document, operationName, { disablingCapturingStackErrors: true });
        const definitions = operation.variableDefinitions ?? [];
        if (isCompiledQuery(query)) {
          entry = {
            query,
            variables: compileVariableParsing(schema, definitions),
            required: definitions.filter((d) => d.defaultValue === undefined).map((d) => d.variable.name.value),
          };
        }
      }
      byName.set(key, entry);
    }
    return entry;
  };

  const executor: GatewayExecutor = async (rc) => {
    const { document, operation, context } = rc;
    const variables = rc.request.variables ?? {};
    const operationName = rc.request.operationName ?? undefined;
    if (!document || !operation) throw new Error('the gateway executor was called without a resolved operation');
    const jit = jitted(document, operation, operationName);
    if (jit && jit.required.every((name) => variables[name] !== undefined)) {
      const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables, { maxErrors: 50 });
      if (coerced.errors) return { errors: coerced.errors };
      if (sameCoercion(jit.variables(variables), coerced.coerced)) {
        executions.compiled++;
        const result = (await jit.query.query(undefined, context, variables)) as ExecutionResult<Record<string, unknown>>;
        return result.errors ? { ...result, errors: result.errors.map(upstreamError) } : result;
      }
    }
    // graphql-js coerces the variables itself (answering their errors as above)
    executions.interpreted++;
    return (await execute({ schema, document, contextValue: context, variableValues: variables, operationName })) as ExecutionResult<Record<string, unknown>>;
  };

  const gateway: GatewayInterface = {
    async load() {
      return { executor };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => {};
    },
    async stop() {},
  };
  return { gateway, executions };
}

/** Whether an object or list value written in the document holds a variable (`f(input: { a: $a })`). */
function hasVariableInsideLiteral(document: DocumentNode): boolean {
  let found = false;
  const inside = (value: ValueNode): boolean =>
    value.kind === Kind.VARIABLE || (value.kind === Kind.LIST && value.values.some(inside)) || (value.kind === Kind.OBJECT && value.fields.some((f) => inside(f.value)));
  visit(document, {
    Argument(node) {
      if ((node.value.kind === Kind.LIST || node.value.kind === Kind.OBJECT) && inside(node.value)) {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

const sameCoercion = (jit: ReturnType<VariableParser>, coerced: unknown) => 'coerced' in jit && sameValue(jit.coerced, coerced);

/**
 * Equal as arguments: the same primitives, dates, lists, and objects with the same defined entries
 * (graphql-jit's objects have no prototype, and it lists unsent variables as undefined).
 */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  const defined = (o: object) => Object.entries(o).filter(([, v]) => v !== undefined);
  const [ea, eb] = [defined(a), defined(b)];
  const ob = Object.fromEntries(eb) as Record<string, unknown>;
  return ea.length === eb.length && ea.every(([k, v]) => Object.hasOwn(ob, k) && sameValue(v, ob[k]));
}

/**
 * graphql-jit's errors are GraphQLErrors by prototype only: they lack `extensions` when the thrown error
 * had none, and Apollo's error formatting reads `extensions.code` of every error. So each becomes a
 * graphql-js error with the same message, path, locations and cause.
 */
function upstreamError(error: GraphQLError): GraphQLError {
  const upstream = new GraphQLError(error.message, { path: error.path, originalError: error.originalError ?? undefined, extensions: error.extensions });
  // graphql-js derives locations from AST nodes, which graphql-jit has already turned into locations
  if (error.locations) Object.defineProperty(upstream, 'locations', { value: error.locations, enumerable: true });
  return upstream;
}
