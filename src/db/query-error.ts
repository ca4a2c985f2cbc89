/**
 * Errors made safe to write down (a log line, a job's stored output, an import's report). Drizzle
 * wraps a failed query as `Failed query: <sql>\nparams: <every parameter>`: the parameters can be a
 * model's whole state (megabytes), a webhook secret, API key material or a lab's tag values. What is
 * kept is what names the problem: Postgres's own message, its SQLSTATE, the constraint, table and
 * column, and the SQL text without its parameters, cut short. Every text is bounded.
 *
 * The original error is left as it was: `sqlStateOf` (invalid-value.ts) and callers that branch on a
 * cause still read it. Only what leaves the process goes through here.
 */

/** The longest message (in characters) any description carries. */
export const MAX_ERROR_TEXT = 2048;
/** The longest SQL text kept of a failed query. */
const MAX_SQL_TEXT = 1000;
/** The longest stack kept. */
const MAX_STACK_TEXT = 4096;
/** How many causes deep a description goes (a cycle or a long chain stops there). */
const MAX_CAUSE_DEPTH = 3;

const PARAMS_MARK = '\nparams: ';
const QUERY_MARK = 'Failed query: ';
const SQLSTATE = /^[0-9A-Z]{5}$/;

/** A bounded, parameter-free description of an error, as a log line or a job's output holds it. */
export interface ErrorDescription {
  type: string;
  message: string;
  /** SQLSTATE for a Postgres error; a system or library code (ECONNRESET, CONNECTION_CLOSED) otherwise. */
  code?: string;
  constraint?: string;
  table?: string;
  column?: string;
  schema?: string;
  dataType?: string;
  /** The failed query's SQL, without parameters, cut short. */
  query?: string;
  stack?: string;
  cause?: ErrorDescription;
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * A text with any Drizzle parameter list taken out: from `\nparams: ` after `Failed query: ` to the
 * end. Also for messages that quote a failed query's message (an error rebuilt from a worker thread's,
 * a wrapper that prefixes its own words); the parameters can hold `\nparams: ` themselves, so the first
 * one after the query is where they begin.
 */
function withoutQueryParams(text: string): string {
  const query = text.indexOf(QUERY_MARK);
  if (query < 0) return text;
  const params = text.indexOf(PARAMS_MARK, query);
  if (params < 0) return text;
  const sqlText = text.slice(query + QUERY_MARK.length, params);
  return `${text.slice(0, query)}${QUERY_MARK}${cut(sqlText, MAX_SQL_TEXT)} [parameters left out]`;
}

type Fields = Record<string, unknown>;
const stringField = (e: unknown, key: string): string | undefined => {
  const v = (e as Fields | null)?.[key];
  return typeof v === 'string' ? v : undefined;
};

/**
 * An Error, or an object standing for one: pg-boss emits a worker's error as `{ ...error, message,
 * stack }`, which keeps every enumerable field (a query error's `params` among them).
 */
interface ErrorLike {
  name?: unknown;
  message: string;
  stack?: unknown;
  cause?: unknown;
}
export const isErrorLike = (v: unknown): v is ErrorLike => typeof v === 'object' && v !== null && typeof (v as Fields).message === 'string';
/** Its class (DrizzleQueryError leaves `name` at "Error"), else its name. */
const nameOf = (e: ErrorLike): string => {
  const ctor = e instanceof Error ? e.constructor?.name : undefined;
  if (ctor && ctor !== 'Error' && (e.name === 'Error' || e.name === undefined)) return ctor;
  return typeof e.name === 'string' && e.name ? e.name : 'Error';
};

/** Drizzle's wrapper of a failed query (DrizzleQueryError): its SQL and its parameters, kept apart. */
const isQueryError = (err: unknown): err is ErrorLike & { query: string } =>
  isErrorLike(err) && typeof (err as unknown as Fields).query === 'string' && 'params' in err && err.message.startsWith(QUERY_MARK);

/**
 * The Postgres error at `err` or among its causes, if any: a SQLSTATE and a severity (postgres.js and
 * node-postgres both keep it), so that a system error's five letters (EPIPE) are not taken for one.
 */
function postgresErrorOf(err: unknown): ErrorLike | null {
  for (let e = err, depth = 0; isErrorLike(e) && depth < 5; e = e.cause, depth++) {
    const code = stringField(e, 'code');
    if (code !== undefined && SQLSTATE.test(code) && stringField(e, 'severity') !== undefined) return e;
  }
  return null;
}

/** SQLSTATE, constraint, table, column: what Postgres says about where the problem is, never a value. */
function postgresWhere(pg: ErrorLike): string {
  const parts = [`SQLSTATE ${stringField(pg, 'code')}`];
  for (const [key, label] of [['constraint_name', 'constraint'], ['table_name', 'table'], ['column_name', 'column'], ['data_type_name', 'type']] as const) {
    const v = stringField(pg, key);
    if (v) parts.push(`${label} ${v}`);
  }
  return parts.join(', ');
}

/**
 * Postgres's message, without the value a data exception (SQLSTATE class 22) quotes: "invalid input
 * syntax for type integer: "<the parameter>"", "value "<it>" is out of range for type integer". The
 * value is the parameter itself (an API key pasted in the wrong field); what is wrong stays named.
 * From the first quote to the last, since a value can hold quotes of its own.
 */
function postgresMessage(pg: ErrorLike): string {
  const message = withoutQueryParams(pg.message);
  if (!stringField(pg, 'code')?.startsWith('22')) return message;
  const first = message.indexOf('"');
  const last = message.lastIndexOf('"');
  return last > first ? `${message.slice(0, first)}"…"${message.slice(last + 1)}` : message;
}

/** A one-line, parameter-free message of at most `MAX_ERROR_TEXT` characters, for a report or a log. */
export function errorText(err: unknown): string {
  let text: string;
  try {
    if (isQueryError(err)) {
      // Postgres's words first: a cut must not lose what is wrong for the sake of the SQL
      const cause = err.cause;
      const pg = postgresErrorOf(cause);
      const why = pg
        ? `${postgresMessage(pg)} (${postgresWhere(pg)})`
        : isErrorLike(cause)
          ? `${nameOf(cause)}: ${withoutQueryParams(cause.message)}`
          : 'query failed';
      text = `${why}; failed query: ${cut(err.query, MAX_SQL_TEXT)} [parameters left out]`;
    } else if (isErrorLike(err)) {
      const pg = postgresErrorOf(err);
      text = pg === err ? `${postgresMessage(pg)} (${postgresWhere(pg)})` : withoutQueryParams(err.message || nameOf(err));
    } else {
      text = withoutQueryParams(String(err));
    }
  } catch {
    // a thrown object whose message or toString throws: there must still be something to write
    text = `a thrown ${typeof err} that cannot be shown as text`;
  }
  return cut(text, MAX_ERROR_TEXT);
}

/** The stack's frames under a new first line (the stack's own first line repeats the message, parameters and all). */
function stackWith(err: ErrorLike, message: string): string | undefined {
  if (typeof err.stack !== 'string') return undefined;
  const frames = err.stack.split('\n').filter((line) => /^\s+at /.test(line));
  return cut([`${nameOf(err)}: ${message}`, ...frames].join('\n'), MAX_STACK_TEXT);
}

/**
 * The error as a log line or a stored output holds it: only known fields, each bounded. The logger's
 * `err` serializer (logger.ts) writes every logged error this way.
 */
export function describeError(err: unknown, depth = 0): ErrorDescription {
  if (!isErrorLike(err)) return { type: typeof err, message: errorText(err) };
  const message = errorText(err);
  const pg = postgresErrorOf(err);
  const code = stringField(pg ?? err, 'code');
  const out: ErrorDescription = { type: nameOf(err), message };
  if (code !== undefined) out.code = cut(code, 64);
  if (pg) {
    const fields = { constraint: 'constraint_name', table: 'table_name', column: 'column_name', schema: 'schema_name', dataType: 'data_type_name' } as const;
    for (const [to, from] of Object.entries(fields) as [keyof typeof fields, (typeof fields)[keyof typeof fields]][]) {
      const v = stringField(pg, from);
      if (v) out[to] = cut(v, 128);
    }
  }
  if (isQueryError(err)) out.query = cut(err.query, MAX_SQL_TEXT);
  const stack = stackWith(err, message);
  if (stack) out.stack = stack;
  // a query error's cause is folded into its message above
  if (err.cause !== undefined && !isQueryError(err) && depth < MAX_CAUSE_DEPTH) out.cause = describeError(err.cause, depth + 1);
  return out;
}

/**
 * An Error to throw in place of `err` where it will be stored whole (pg-boss serialises what a handler
 * throws, every own field, into `pgboss.job.output`): the bounded message, the code and the Postgres
 * fields of `describeError`, a stack without the message's parameters, and no cause.
 */
export function redactedError(err: unknown): Error {
  const d = describeError(err);
  const out = new Error(d.message) as Error & Omit<ErrorDescription, 'type' | 'message' | 'stack' | 'cause'>;
  out.name = isErrorLike(err) ? d.type : 'Error';
  for (const key of ['code', 'constraint', 'table', 'column', 'schema', 'dataType', 'query'] as const) {
    if (d[key] !== undefined) out[key] = d[key];
  }
  out.stack = d.stack ?? `${out.name}: ${d.message}`;
  return out;
}
