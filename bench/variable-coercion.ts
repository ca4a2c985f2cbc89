/**
 * What coercing a request's variables several times costs. Over HTTP a query's variables are coerced by
 * the argument check (graphql/argument-values), by the complexity pre-check and again inside
 * graphql-query-complexity's getComplexity (graphql/limits), and by execution (graphql/jit-executor:
 * graphql-js's coercion, then graphql-jit's own, compared). This sends representative requests with
 * small and large variables through the real server and prints, for each:
 *   - server time: from Node's `request` event to the response's `finish`, p50 (so no client cost);
 *   - the same run's baselines: GET /healthz and `{ __typename }` over the same server;
 *   - each pre-execution step alone, in this process on the same parsed document and variables (µs,
 *     median): one coercion (getVariableValues), the argument check, the NUL check, the complexity check
 *     (its pre-check coercion + getComplexity) and graphql-jit's coercion;
 *   - the share of the server time that the coercions beyond the first take (the ones sharing one result
 *     could remove: the argument check's or the pre-check's, and execution's graphql-js coercion).
 *
 *   npm run build && node dist/bench/variable-coercion.js [--iterations 300]
 *
 * Runs against DATABASE_URL (a new database there, dropped at the end) or an embedded Postgres. The
 * organization has no cost rows: the requests are as cheap as they get, so the coercions' share is at its largest.
 */
// before anything loads graphql-js: the server as it runs (see src/production-mode)
import '../src/production-mode.js';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { getOperationAST, getVariableValues, parse } from 'graphql';
import type { compileVariableParsing as CompileVariableParsing } from 'graphql-jit/dist/variables.js';
import { refusedArgument } from '../src/graphql/argument-values.js';
import { buildAppSchema } from '../src/graphql/build-schema.js';
import { operationLimits } from '../src/graphql/limits.js';
import { unstorableInRequest } from '../src/graphql/nul-characters.js';
import { fmt, percentile, startBenchApp } from './support.js';

const { compileVariableParsing } = createRequire(import.meta.url)('graphql-jit/dist/variables.js') as { compileVariableParsing: typeof CompileVariableParsing };

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const ITERATIONS = arg('iterations', 300);
const WARMUP = 50;

const COSTS = `query Costs($filter: CostFilterInput, $first: Int!) {
  costs(filter: $filter, first: $first, groupBy: [{ dimension: SERVICE }]) {
    edges { cursor node { amount { amount currency } rows keys { service } } }
    totals { amount { amount currency } rows }
    pageInfo { hasNextPage endCursor }
  }
}`;
const ESTIMATE = `query Estimate($input: EstimateInput!) {
  estimate(input: $input) { basis currency low high intervalMethod }
}`;

const names = (n: number) => Array.from({ length: n }, (_, i) => `Service number ${i} of the bench`);
/** Pipeline parameters as nf-core pipelines take them: flat strings, numbers, booleans, a few nested. */
const params = (n: number) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`param_${i}`, i % 4 === 0 ? { path: `s3://bucket/dataset/${i}/reads_R1.fastq.gz`, size: i * 1000 } : i % 4 === 1 ? i : i % 4 === 2 ? true : `value ${i}`]));

interface Case {
  name: string;
  query: string;
  variables: Record<string, unknown>;
}
const filter = (services: number) => ({ from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z', provider: ['azure'], service: names(services) });
const cases: Case[] = [
  { name: 'costs, 1 service', query: COSTS, variables: { filter: filter(1), first: 50 } },
  // the most a filter takes (class-validator refuses more in the resolver)
  { name: 'costs, 100 services', query: COSTS, variables: { filter: filter(100), first: 50 } },
  // the most the argument check lets through (MAX_LIST_ITEMS): refused by the resolver's validation, after every check and coercion
  { name: 'costs, 1000 services', query: COSTS, variables: { filter: filter(1000), first: 50 } },
  { name: 'estimate, 10 params', query: ESTIMATE, variables: { input: { pipeline: 'nf-core/rnaseq', samples: 12, region: 'westeurope', params: params(10) } } },
  { name: 'estimate, 5000 params', query: ESTIMATE, variables: { input: { pipeline: 'nf-core/rnaseq', samples: 12, region: 'westeurope', params: params(5000) } } },
];

const env = await startBenchApp();
const server = env.app.http!.server;
/** Server time of the request being sent (only one is in flight at a time). */
let lastServerMs = NaN;
server.prependListener('request', (_req, res) => {
  const t0 = performance.now();
  res.once('finish', () => (lastServerMs = performance.now() - t0));
});

const headers = { authorization: `Bearer ${env.analystKey}`, 'content-type': 'application/json' };
async function post(body: string): Promise<number> {
  const res = await fetch(`${env.url}/graphql`, { method: 'POST', headers, body });
  await res.arrayBuffer();
  return lastServerMs;
}
async function healthz(): Promise<number> {
  await (await fetch(`${env.url}/healthz`)).arrayBuffer();
  return lastServerMs;
}

/** Median µs of `fn` over enough calls to take ~50 ms. */
function micros(fn: () => unknown): number {
  for (let i = 0; i < 20; i++) fn();
  const t0 = performance.now();
  fn();
  const once = Math.max(performance.now() - t0, 0.001);
  const n = Math.min(2000, Math.max(20, Math.round(50 / once)));
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(n / 2)] * 1000;
}

try {
  // the answers must be what a client gets (a refused request would skip execution)
  for (const c of cases) {
    const res = await fetch(`${env.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query: c.query, variables: c.variables }) });
    const json = (await res.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
    const error = json.errors?.[0];
    console.log(`  ${c.name}: HTTP ${res.status}, ${error ? `error ${error.extensions?.code}: ${error.message.slice(0, 80)}` : 'data'}`);
  }

  // 1. server time, interleaved so that every request sees the same state of the process
  const bodies = cases.map((c) => JSON.stringify({ query: c.query, variables: c.variables }));
  const typename = JSON.stringify({ query: '{ __typename }' });
  const samples = { healthz: [] as number[], typename: [] as number[], cases: cases.map(() => [] as number[]) };
  for (let i = 0; i < WARMUP + ITERATIONS; i++) {
    const keep = i >= WARMUP;
    const h = await healthz();
    const t = await post(typename);
    if (keep) samples.healthz.push(h), samples.typename.push(t);
    for (let k = 0; k < cases.length; k++) {
      const ms = await post(bodies[k]);
      if (keep) samples.cases[k].push(ms);
    }
  }
  const p = (xs: number[], q: number) => percentile([...xs].sort((a, b) => a - b), q);

  // 2. each step before execution, alone, on the same document and variables
  const schema = buildAppSchema();
  const limits = operationLimits(schema, env.app.config);
  console.log(`\nvariable coercion bench: ${ITERATIONS} requests of each, server time from 'request' to 'finish' (ms), steps alone (µs, median)`);
  console.log(`  baseline GET /healthz p50 ${fmt(p(samples.healthz, 50), 3)} ms; { __typename } p50 ${fmt(p(samples.typename, 50), 3)} ms p95 ${fmt(p(samples.typename, 95), 3)} ms`);
  console.log(`  variables sent as JSON: ${cases.map((c, k) => `${c.name} ${(bodies[k].length / 1024).toFixed(1)} KiB`).join(', ')}\n`);
  console.log(
    ['request'.padEnd(24), 'p50 ms', 'p95 ms', 'coerce', 'argCheck', 'nulCheck', 'complexity', 'jitCoerce', 'repeated: 3 × coerce', 'of p50', 'shareable: 2 × coerce', 'of p50', 'of p50 beyond {__typename}'].join(' | '),
  );
  for (const [k, c] of cases.entries()) {
    const document = parse(c.query);
    const operation = getOperationAST(document)!;
    const definitions = operation.variableDefinitions ?? [];
    const coerceOnce = () => getVariableValues(schema, definitions, c.variables, { maxErrors: 50 });
    const coerced = coerceOnce();
    if (!coerced.coerced) throw new Error(`${c.name}: variables do not coerce`);
    const jitParse = compileVariableParsing(schema, definitions);
    const coerce = micros(coerceOnce);
    const argCheck = micros(() => refusedArgument(schema, document, operation, coerced.coerced));
    const nulCheck = micros(() => unstorableInRequest(document, c.variables));
    const complexity = micros(() => limits.complexityError(document, undefined, c.variables));
    const jitCoerce = micros(() => jitParse(c.variables));
    // argument check, complexity pre-check, getComplexity, execution's graphql-js coercion: one of them is needed,
    // and getComplexity's own is out of reach (the library coerces what it is given)
    const repeated = 3 * coerce;
    const shareable = 2 * coerce;
    const p50 = p(samples.cases[k], 50);
    const share = (us: number, ms: number) => `${fmt((100 * us) / 1000 / ms)} %`;
    console.log(
      [
        c.name.padEnd(24),
        fmt(p50, 3).padStart(6),
        fmt(p(samples.cases[k], 95), 3).padStart(6),
        fmt(coerce, 0).padStart(6),
        fmt(argCheck, 0).padStart(8),
        fmt(nulCheck, 0).padStart(8),
        fmt(complexity, 0).padStart(10),
        fmt(jitCoerce, 0).padStart(9),
        `${fmt(repeated, 0)} µs`.padStart(20),
        share(repeated, p50).padStart(6),
        `${fmt(shareable, 0)} µs`.padStart(21),
        share(shareable, p50).padStart(6),
        share(shareable, p50 - p(samples.typename, 50)).padStart(26),
      ].join(' | '),
    );
  }
  console.log(`\n  repeated = 3 × coerce: four graphql-js coercions of the same variables where one would do (graphql-jit's is not counted).`);
  console.log(`  shareable = 2 × coerce: what one shared result could remove (the argument check's or the pre-check's, and execution's);`);
  console.log(`  getComplexity coerces inside the library. nulCheck walks the raw variables (JSONObject values included), not a coercion.`);
} finally {
  await env.close();
}
