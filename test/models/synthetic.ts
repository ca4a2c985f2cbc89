import type { TrainingSample } from '../../src/models/model.js';

/** Deterministic PRNG (mulberry32) so the tests never flake. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal via Box-Muller. */
export function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

export const SLOPE = 2e-3; // ms per byte: 2 s per MB
export const INTERCEPT = 60_000; // 1 min of set-up

/** runtime = SLOPE × inputBytes + INTERCEPT, times lognormal noise (sd 0.1), submitted in order. */
export function linearRuntimeSamples(n: number, seed = 1, process = 'ALIGN'): TrainingSample[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const inputBytes = 1e8 + r() * 5e9;
    const value = (SLOPE * inputBytes + INTERCEPT) * Math.exp(0.1 * normal(r));
    return { features: { process, inputBytes, cpus: 4 }, value, at: 1_700_000_000_000 + i * 1000 };
  });
}
