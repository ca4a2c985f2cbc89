/**
 * The slice of a pino logger this module uses (a pino `Logger` satisfies it). Structured fields
 * only: nothing here ever receives a credential, so nothing can print one.
 */
export interface AzureIngestLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export const silentLogger: AzureIngestLogger = {
  debug() {},
  info() {},
  warn() {},
};

/** A URL for logs and errors: origin and path only, since query strings carry `$skiptoken`s. */
export function urlForLog(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '<unparseable url>';
  }
}
