/**
 * Whether an error says the database connection went away (the server shutting down or restarting,
 * or the socket closed under it), as opposed to a query that failed. On Ctrl-C in a terminal the
 * embedded Postgres gets the signal along with the server, so its clients meet these while stopping.
 */
const CONNECTION_GONE = new Set([
  // Postgres: admin_shutdown, crash_shutdown, cannot_connect_now
  '57P01', '57P02', '57P03',
  // postgres.js, for a connection it had or has closed
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED',
  // the socket, when the server dropped it mid-conversation
  'ECONNRESET', 'EPIPE',
]);

export function isConnectionGone(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONNECTION_GONE.has(code);
}
