import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';
import type { ValidationError } from 'class-validator';
import { invalidValueError } from '../db/invalid-value.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';

function describeValidation(errors: ValidationError[], parent = ''): { field: string; problems: string[] }[] {
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
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof AppError) {
      return { ...formatted, message: original.message, extensions: { ...original.details, code: original.code } };
    }
    if (original instanceof ArgumentValidationError) {
      const fields = describeValidation(original.extensions.validationErrors);
      const message = `invalid input: ${fields.map((f) => `${f.field}: ${f.problems.join('; ')}`).join(' | ')}`;
      return { ...formatted, message, extensions: { code: 'BAD_USER_INPUT', fields } };
    }
    const code = formatted.extensions?.code;
    if (code && code !== 'INTERNAL_SERVER_ERROR') return formatted;
    if (original instanceof GraphQLError && !original.originalError) return formatted;
    const invalid = invalidValueError(original);
    if (invalid) {
      log.warn({ err: original }, 'Postgres refused a value that no input check caught');
      return { message: invalid.message, locations: formatted.locations, path: formatted.path, extensions: { ...invalid.details, code: invalid.code } };
    }
    log.error({ err: original }, 'unexpected error in GraphQL execution');
    return { message: 'internal error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}
