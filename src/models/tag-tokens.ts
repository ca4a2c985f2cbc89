/**
 * Words of a Nextflow task tag. Tags join what a task is about with punctuation: `sample1`,
 * `sample1_T1`, `label_projection:f1-mlp_scran-pancreas_batch:openproblems`. Splitting on
 * separators other than `_` keeps names like `pancreas_batch` whole, so two tasks share a word
 * when they share a sample, dataset, method or image, whatever the tag's layout.
 */
export function tagTokens(tag: string | null | undefined): string[] {
  if (!tag) return [];
  return [...new Set(tag.toLowerCase().split(/[\s:;,|/()\-=]+/).filter((t) => t.length > 0))];
}
