/**
 * What a LIMS integration does before launching Nextflow: register the run, get its id back.
 * Typed by graphql-codegen from examples/operations.graphql (`npm run codegen`).
 *   GCT_URL=http://localhost:4000/graphql GCT_API_KEY=gct_… node dist/examples/register-run.js P1 nf-core/rnaseq 3.14.0 12
 */
import type { RegisterRunMutation, RegisterRunMutationVariables } from './generated/operations.js';

const REGISTER_RUN = `mutation RegisterRun($input: RegisterRunInput!) { registerRun(input: $input) { id status } }`;

export async function registerRun(url: string, apiKey: string, variables: RegisterRunMutationVariables): Promise<RegisterRunMutation['registerRun']> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query: REGISTER_RUN, variables }),
  });
  const body = (await res.json()) as { data?: RegisterRunMutation; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) throw new Error(body.errors.map((e) => `${e.extensions?.code}: ${e.message}`).join('\n'));
  return body.data!.registerRun;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [projectCode, pipeline, revision, samples] = process.argv.slice(2);
  const run = await registerRun(process.env.GCT_URL ?? 'http://localhost:4000/graphql', process.env.GCT_API_KEY ?? '', {
    input: { projectCode, pipeline, revision, sampleCount: samples ? Number(samples) : null },
  });
  console.log(`registered run ${run.id} (${run.status}); launch with: nextflow run ${pipeline} -r ${revision} --gct_run_id ${run.id}`);
}
