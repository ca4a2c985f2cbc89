import { ApolloServerErrorCode, unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';
import type { ValidationError } from 'class-validator';
import { invalidValueError } from '../db/invalid-value.js';
import { AppError, badFields, type FieldProblems } from '../errors.js';
import type { Logger } from '../logger.js';

function describeValidation(errors: ValidationError[], parent = ''): FieldProblems[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, problems: Object.values(e.constraints) }] : [];
    return [...own, ...describeValidation(e.children ?? [], field)];
  });
}

/**
 * Every error a client sees has `extensions.code`. Domain errors keep their message; validation errors
 * name each field; a value Postgres refused (a missing input check) is BAD_USER_INPUT without the SQL;
 * anything unexpected is logged and masked as INTERNAL_SERVER_ERROR.
 */
export function formatError(log: Logger) {
  const format = formatOne(log);
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => withFieldList(format(formatted, error));
}

// graphql-js refusing a variable: `Variable "$input" got invalid value 5 at "input.name"; Expected …`
const VARIABLE = /^Variable "\$([^"]+)"(?:[^;]*? at "([^"]+)")?/;

/**
 * Every BAD_USER_INPUT carries `extensions.fields` ([{ field, problems }]), the shape input validation
 * answers in, so a client reads one shape whoever refused the input: a service's check (which also keeps
 * its `field`), a variable graphql-js could not coerce (named `$<variable path>`), or, when nothing in
 * the request can be named (a value Postgres refused), an empty list.
 */
function withFieldList(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const extensions = formatted.extensions;
  if (extensions?.code !== 'BAD_USER_INPUT' || Array.isArray(extensions.fields)) return formatted;
  const variable = VARIABLE.exec(formatted.message);
  const field = typeof extensions.field === 'string' ? extensions.field : variable ? `$${variable[2] ?? variable[1]}` : null;
  const problem = field && formatted.message.startsWith(`${field}: `) ? formatted.message.slice(field.length + 2) : formatted.message;
  return { ...formatted, extensions: { ...extensions, fields: field ? [{ field, problems: [problem] }] : [] } };
}

function formatOne(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof AppError) {
      return { ...formatted, message: original.message, extensions: { ...original.details, code: original.code } };
    }
    if (original instanceof ArgumentValidationError) {
      const invalid = badFields(describeValidation(original.extensions.validationErrors));
      return { ...formatted, message: invalid.message, extensions: { ...invalid.details, code: invalid.code } };
    }
    const code = formatted.extensions?.code;
    if (code && code !== 'INTERNAL_SERVER_ERROR') return formatted;
    if (original instanceof GraphQLError && !original.originalError) {
      // graphql-js refusing the request before execution (no path) without a code Apollo knows: its 'Too many
      // errors processing variables' after 50 invalid values. The caller's mistake, as each of the 50 is
      if (!original.path) return { ...formatted, extensions: { ...formatted.extensions, code: 'BAD_USER_INPUT' } };
      return formatted;
    }
    const invalid = invalidValueError(original);
    if (invalid) {
      log.warn({ err: original }, 'Postgres refused a value that no input check caught');
      return { message: invalid.message, locations: formatted.locations, path: formatted.path, extensions: { ...invalid.details, code: invalid.code } };
    }
    log.error({ err: original }, 'unexpected error in GraphQL execution');
    return { message: 'internal error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

/**
 * Formats errors as Apollo answers them over HTTP, for a transport that does not go through Apollo
 * (graphql-ws): Apollo first makes each error a GraphQLError whose `extensions.code` defaults to
 * INTERNAL_SERVER_ERROR (no stack trace: includeStacktraceInErrorResponses is off), then applies
 * `formatError`; a formatter that throws is answered as a masked internal error. Restated here because
 * Apollo does not export that step (errorNormalize.ts), and both transports must answer the same codes
 * and mask the same errors.
 */
export function formatErrors(log: Logger) {
  const format = formatError(log);
  return (errors: readonly unknown[]): GraphQLFormattedError[] =>
    errors.map((error) => {
      const graphqlError = error instanceof GraphQLError ? error : new GraphQLError(error instanceof Error ? error.message : `Unexpected error value: ${String(error)}`, { originalError: error instanceof Error ? error : undefined });
      const code = graphqlError.extensions.code ?? ApolloServerErrorCode.INTERNAL_SERVER_ERROR;
      try {
        return format({ ...graphqlError.toJSON(), extensions: { ...graphqlError.extensions, code } }, error);
      } catch {
        return { message: 'Internal server error', extensions: { code: ApolloServerErrorCode.INTERNAL_SERVER_ERROR } };
      }
    });
}
