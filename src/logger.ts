import { pino, type Logger } from 'pino';

export type { Logger };

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
    },
    destination ?? process.stdout,
  );
}
