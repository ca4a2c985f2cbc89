/**
 * Domain errors carry the code a client acts on. Transports translate them: GraphQL puts the code in
 * `extensions.code`, HTTP maps it to a status. Services never import GraphQL.
 */
export type ErrorCode = 'NOT_FOUND' | 'BAD_USER_INPUT' | 'FORBIDDEN' | 'UNAUTHENTICATED' | 'CONFLICT' | 'PAYLOAD_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** Also what another organization's object looks like: the caller cannot tell the two apart. */
export const notFound = (what: string, id: string) => new AppError('NOT_FOUND', `${what} ${JSON.stringify(id)} not found`, { what, id });

export const badInput = (field: string, message: string) => new AppError('BAD_USER_INPUT', `${field}: ${message}`, { field });

/** One field's problems, as a BAD_USER_INPUT naming several fields lists them (`extensions.fields`). */
export interface FieldProblems {
  field: string;
  problems: string[];
}

/**
 * BAD_USER_INPUT naming every invalid field at once, shaped as the GraphQL input classes' validation
 * answers (graphql/errors.ts): a caller fixing its input learns of every mistake in one round trip.
 */
export const badFields = (fields: FieldProblems[]) =>
  new AppError('BAD_USER_INPUT', `invalid input: ${fields.map((f) => `${f.field}: ${f.problems.join('; ')}`).join(' | ')}`, { fields });

export const conflict = (message: string, details: Record<string, unknown> = {}) => new AppError('CONFLICT', message, details);

export const httpStatusOf = (code: ErrorCode): number =>
  ({ NOT_FOUND: 404, BAD_USER_INPUT: 400, FORBIDDEN: 403, UNAUTHENTICATED: 401, CONFLICT: 409, PAYLOAD_TOO_LARGE: 413, UNSUPPORTED_MEDIA_TYPE: 415 })[code];
