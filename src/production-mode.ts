/**
 * Imported first by the server's entry points (the CLI, the benchmarks), before anything loads
 * graphql-js: outside production mode graphql-js re-examines every failed `instanceof` of its own
 * types (to report two copies of the library), which cost about 1 ms of a 500-row explorer answer.
 * An explicit NODE_ENV still wins; the tests run without this, so they keep graphql-js's checks.
 */
process.env.NODE_ENV ??= 'production';
