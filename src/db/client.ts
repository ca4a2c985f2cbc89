import postgres from 'postgres';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { processApplicationName } from './application-name.js';
import { noDelaySocket } from './no-delay-socket.js';
import * as schema from './schema/index.js';

/** With `$client`, the postgres.js pool underneath (cursors, COPY). */
export type Db = PostgresJsDatabase<typeof schema> & { $client: postgres.Sql };
export type Sql = postgres.Sql;

export interface Database {
  url: string;
  sql: Sql;
  db: Db;
  close(): Promise<void>;
}

/** Whether a connection URL names several hosts (`postgres://u@h1:5432,h2:5432/db`). */
const isMultiHost = (url: string) => (/^[a-z]+:\/\/(?:[^@/]*@)?([^/?#]*)/i.exec(url)?.[1] ?? '').includes(',');

export function connect(url: string, opts: { max?: number; applicationName?: string; onQuery?: (query: string) => void } = {}): Database {
  const options = {
    max: opts.max ?? 10,
    onnotice: () => {},
    debug: opts.onQuery ? (_conn: number, query: string) => opts.onQuery!(query) : undefined,
    connection: { application_name: processApplicationName(opts.applicationName ?? 'genome-cost-tracker') },
    // postgres.js supports a socket factory, its type declarations do not. Not for a multi-host URL:
    // postgres.js moves on to the next host only with sockets of its own (a factory's refused connection
    // leaves the connect waiting forever), so failover keeps postgres.js's sockets, with Nagle on
    ...(isMultiHost(url) ? {} : { socket: noDelaySocket() }),
  };
  const sql = postgres(url, options);
  const db = drizzle(sql, { schema });
  return { url, sql, db, close: () => sql.end({ timeout: 5 }) };
}
