/**
 * Every connection this process opens carries its pid in application_name, so pg_stat_activity tells this
 * process's backends from another process's. The embedded Postgres is stopped at exit unless another
 * process still uses it, and a backend of ours can outlive the pool it belonged to: a job's query still
 * running when pg-boss's graceful stop and then the pool's end timed out goes on after its socket is
 * dropped (Postgres notices a gone client only when the query returns). It was taken for another
 * process's, and Postgres was left running for no one.
 */
const SUFFIX = ` pid:${process.pid}`;

/** `name` marked as this process's (`genome-cost-tracker pid:1234`). */
export const processApplicationName = (name: string) => `${name}${SUFFIX}`;

/** A LIKE pattern matching the application_name of every connection this process opened. */
export const OWN_APPLICATION_NAMES = `%${SUFFIX}`;
