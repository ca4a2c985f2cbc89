/**
 * Lines stored under the hash they had before a line billed outside its billing period, or a FOCUS correction,
 * was hashed apart from its period's equal line (row-hash: billedElsewhere). A plain import of the same file
 * after that change computed the new hash, found nothing, and stored such a line a second time.
 *
 * Before a batch's hashes are looked up, each of its rows that has an old hash (CostRowHasher's legacyHash; most
 * batches have none, and pay nothing) looks for a file's line stored under it on its charge period start. That
 * line takes the row's new hash, in the load's transaction, its allocations with it, only when it is provably the
 * row's line:
 *
 * 1. it is billed in the row's billing period. The old hash of a line billed late is also the hash of its period's
 *    equal line (October's late line for September 30 hashed as September's own): that one names another period,
 *    and stays as it is;
 * 2. it names a billing period at all: a line stored before periods were read could be either, so it is left, and
 *    the row's line is named in the import's warnings (the row is then stored as new);
 * 3. the row's new hash is free, or held by a line that takes another hash in the same step: a line that a plain
 *    import before this fix stored again under its new hash is left as it is, and named too.
 *
 * A correction charged inside its own billing period shares that period with a regular line of the same fields:
 * the period cannot tell them apart. In one file the old numbering gave them different hashes, so the stored line
 * with the correction's old hash is the correction, unless the regular line came from another file imported first
 * (the old hash's own bug: the correction was then never stored): it then takes the correction's hash, and the
 * regular line is stored again when its file is imported again.
 */
import type postgres from 'postgres';
import type { EncodedCostBatch } from './cost-batch.js';
import { withIndexProbes } from './index-probes.js';

export interface LegacyRowsTaken {
  /** Stored lines that took their row's new hash. */
  adopted: number;
  /** File lines of rows whose old hash a stored line has that could not be proven theirs (2 and 3 above), in order. */
  unproven: number[];
}

interface Found {
  i: number;
  part: string;
  ctid: string;
  /** The stored line names no billing period. */
  unperiodized: boolean;
  /** It names the row's. */
  same: boolean;
  /** Where the line holding the row's new hash is, if one does. */
  holder: string | null;
}

/** Gives stored lines under the old hashes of `batch`'s rows (`hashes`: its rows' hashes) their rows' new hashes, where provably theirs. */
export async function adoptLegacyRows(tx: postgres.TransactionSql, orgId: string, batch: EncodedCostBatch, hashes: readonly string[]): Promise<LegacyRowsTaken> {
  const rows = batch.legacy;
  const iso = (ms: number) => (Number.isNaN(ms) ? null : new Date(ms).toISOString());
  const at = rows.map((r) => new Date(batch.starts[r.row]).toISOString());
  const found = await withIndexProbes(tx, () =>
    tx.unsafe<Found[]>(
      `select l.i, s.part, s.ctid::text as ctid, s.unperiodized, s.same,
              (select h.tableoid::regclass::text || '/' || h.ctid::text from cost_records h
               where h.org_id = $1 and h.charge_period_start = l.at::timestamptz and h.row_hash = l.new_hash limit 1) as holder
       from unnest($2::int[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[]) l(i, old_hash, new_hash, at, billing_start, billing_end)
       cross join lateral (select c.tableoid::regclass::text as part, c.ctid,
                                  c.billing_period_start is null or c.billing_period_end is null as unperiodized,
                                  coalesce(c.billing_period_start = l.billing_start::timestamptz and c.billing_period_end = l.billing_end::timestamptz, false) as same
                           from cost_records c
                           where c.org_id = $1 and c.charge_period_start = l.at::timestamptz and c.row_hash = l.old_hash and c.source = 'file' limit 1) s`,
      [orgId, rows.map((_, i) => i), rows.map((r) => r.hash), rows.map((r) => hashes[r.row]), at, rows.map((r) => iso(r.billingStart)), rows.map((r) => iso(r.billingEnd))],
    ),
  );

  const unproven = new Set<number>();
  /** By place (`partition/ctid`): the lines that take a new hash, and the index of their row in `rows`. */
  const moving = new Map<string, Found>();
  for (const f of found) {
    if (f.unperiodized) unproven.add(f.i);
    else if (f.same) moving.set(`${f.part}/${f.ctid}`, f);
  }
  // a new hash held by a line that stays cannot be taken; nor one held by a line that, for that reason, stays itself
  for (let settled = false; !settled; ) {
    settled = true;
    for (const [place, f] of moving) {
      if (f.holder === null || moving.has(f.holder)) continue;
      moving.delete(place);
      unproven.add(f.i);
      settled = false;
    }
  }

  const byPartition = new Map<string, Found[]>();
  for (const f of moving.values()) byPartition.set(f.part, [...(byPartition.get(f.part) ?? []), f]);
  for (const [part, lines] of byPartition) {
    // through hashes no line has, first: one moving line's old hash may be another's new one (a line that came after
    // its late twin in the file was numbered after it). By place, in the month's partition (`part` is the catalog's own,
    // quoted, name): the loader holds the organization's bill-write lock, so the places stay theirs
    const aside = await tx.unsafe<{ was: string; ctid: string }[]>(
      `update ${part} c set row_hash = gen_random_uuid() from unnest($1::text[]) m(t)
       where c.ctid = any($1::text[]::tid[]) and c.ctid = m.t::tid and c.org_id = $2 and c.source = 'file'
       returning m.t as was, c.ctid::text as ctid`,
      [lines.map((f) => f.ctid), orgId],
    );
    const newHash = new Map(lines.map((f) => [f.ctid, hashes[rows[f.i].row]]));
    await tx.unsafe(
      `update ${part} c set row_hash = m.h from unnest($1::text[], $2::uuid[]) m(t, h)
       where c.ctid = any($1::text[]::tid[]) and c.ctid = m.t::tid and c.org_id = $3`,
      [aside.map((a) => a.ctid), aside.map((a) => newHash.get(a.was)!), orgId],
    );
  }
  // a reconciliation's shares of a line name it by hash: they follow it (all at once, each by its old hash)
  const taken = [...moving.values()].map((f) => ({ at: at[f.i], from: rows[f.i].hash, to: hashes[rows[f.i].row] }));
  if (taken.length > 0) {
    await withIndexProbes(tx, () =>
      tx.unsafe(
        `update allocations a set cost_row_hash = m.to_hash from unnest($2::text[], $3::uuid[], $4::uuid[]) m(at, from_hash, to_hash)
         where a.org_id = $1 and a.charge_period_start = m.at::timestamptz and a.cost_row_hash = m.from_hash`,
        [orgId, taken.map((t) => t.at), taken.map((t) => t.from), taken.map((t) => t.to)],
      ),
    );
  }
  return { adopted: moving.size, unproven: [...unproven].sort((a, b) => a - b).map((i) => rows[i].line) };
}
