import type postgres from 'postgres';

/**
 * Runs `statement` with sequential and bitmap scans and JIT off, then gives the transaction back the caller's settings.
 * For statements that probe the primary key once per key (lateral … limit 1) in months a load may have just filled:
 * without statistics of them the planner scanned the partition, or the key's whole period, once per key.
 */
export async function withIndexProbes<T>(tx: postgres.TransactionSql, statement: () => Promise<T>): Promise<T> {
  const [caller] = await tx<{ seqscan: string; bitmapscan: string; jit: string }[]>`
    select current_setting('enable_seqscan') as seqscan, current_setting('enable_bitmapscan') as bitmapscan, current_setting('jit') as jit,
           set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true), set_config('jit', 'off', true)`;
  const result = await statement();
  await tx`select set_config('enable_seqscan', ${caller.seqscan}, true), set_config('enable_bitmapscan', ${caller.bitmapscan}, true),
                  set_config('jit', ${caller.jit}, true)`;
  return result;
}
