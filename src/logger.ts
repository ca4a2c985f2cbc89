import { pino, type Logger } from 'pino';
import { describeError, errorText, isErrorLike } from './db/query-error.js';

export type { Logger };

/**
 * A logged error as `describeError` gives it: a failed query's parameters (a model's state, a secret,
 * a tag value) never reach a log line, and no message is longer than 2 KiB.
 */
const errSerializer = (err: unknown) => (isErrorLike(err) ? describeError(err) : err);

/** `error` is a message (a string) in most log calls, an error in some: bounded and parameter-free either way. */
const errorFieldSerializer = (error: unknown) => (typeof error === 'string' ? errorText(error) : errSerializer(error));

/**
 * JSON logs. Secrets are redacted by path wherever they could appear in a logged object,
 * as a second line of defence: code should not log them in the first place.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: ['req.headers.authorization', 'headers.authorization', '*.clientSecret', 'clientSecret', '*.password', 'password', 'apiKey', '*.apiKey'],
        censor: '[redacted]',
      },
      serializers: { err: errSerializer, error: errorFieldSerializer },
      hooks: {
        // without a message of its own, pino writes the error's raw message as the line's `msg`
        logMethod(args, method) {
          const first: unknown = args[0];
          if (args.length === 1 && first instanceof Error) return method.apply(this, [{ err: first }, errorText(first)]);
          const err = typeof first === 'object' && first !== null ? (first as { err?: unknown }).err : undefined;
          if (args.length === 1 && isErrorLike(err) && (first as { msg?: unknown }).msg === undefined) return method.apply(this, [first as object, errorText(err)]);
          return method.apply(this, args);
        },
      },
    },
    destination ?? process.stdout,
  );
}
