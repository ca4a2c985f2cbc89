/**
 * A replacing file import: the file is the whole bill of each sub account it bills, over the days it
 * covers. Cost exports are restated: a month-to-date export is written again every day with
 * yesterday's lines revised, and a line whose cost changed hashes differently, so loaded alongside the
 * earlier file it would count twice. Replacing keeps every figure to the newest export's.
 *
 * What is replaced: stored lines of file imports that bill one of the file's scopes (services/bill-scope:
 * an Azure subscription however a source writes it, else provider, billing account and sub account) and
 * start in the days it covers, except the lines of the file's own delivery: the import itself and
 * earlier imports given the same `delivery` (the parts of one export run, which add up). The days
 * covered: the UTC days from the file's first charge day to its last, and when every line names its
 * billing period, only the lines billed in the file's periods (ReplacedRegion.plan): a line billed now
 * for an earlier day (a FOCUS correction, late usage) then does not make the file replace the earlier
 * period's lines of the days in between, and a correction revised later is replaced with its period.
 *
 * The file also takes its scopes' days over from Azure syncs, which otherwise count the same usage
 * again: it records the time it restated, and synced lines whose whole day the files' recorded time
 * holds are replaced too (services/file-coverage); a later sync removes what it fetches for them.
 * Exports are the bill of record (billing periods, every charge type); a sync still brings the days no
 * export holds yet.
 *
 * Done in two steps, inside the load's transaction and under its lock:
 *
 * 1. take over: before a batch is copied, stored lines with one of its hashes are deleted, so the
 *    batch stores them again as this import's (left in place, a later part of the same delivery would
 *    see them as an earlier delivery's and remove them);
 * 2. the rest: after the last batch, the scopes' other lines on the file's days (revised or gone).
 *
 * The billed cost of both is summed per currency (in SQL), for the import report.
 */
import type postgres from 'postgres';
import { badInput } from '../errors.js';
import { inScopesSql, scopeArrays, scopeKeysSql } from './bill-scope.js';
import type { CostScope, EncodedCostBatch } from './cost-batch.js';
import type { CurrencyTotal } from './cost-loader.js';
import { recordFileCoverage, removeCoveredSyncedLines, removedByCurrency, type RemovedLines } from './file-coverage.js';
import { withIndexProbes } from './index-probes.js';

export interface CostReplace {
  /** The replacing import: its own rows are never replaced. */
  importId: string;
  /** The export run the file is part of; files of one delivery add up, a later one replaces them. */
  delivery: string | null;
}

export interface CostReplaced {
  /** Stored lines of earlier imports removed, including those the file stored again. */
  rows: number;
  /** Their billed cost per currency, summed in SQL; sorted by currency. */
  totals: CurrencyTotal[];
  /** Lines of Azure syncs the file took over (services/file-coverage), likewise. */
  synced: RemovedLines;
  /** The UTC days the replacement reached, [from, to): the file's first charge day to its last; null when it had no rows. */
  from: Date | null;
  to: Date | null;
}

/** What the file bills: its scopes and its billing periods, gathered batch by batch. */
export class ReplacedRegion {
  readonly #scopes = new Map<string, CostScope>();
  /** By scope key: the one resource group of the file's lines of the scope, or null (several, or a line without one). */
  readonly #groups = new Map<string, string | null>();
  readonly #periods = new Map<string, [number, number]>();
  #unperiodized = false;

  add(batch: Pick<EncodedCostBatch, 'scopes' | 'scopeGroups' | 'periods' | 'unperiodized'>): void {
    batch.scopes.forEach((scope, i) => {
      const key = JSON.stringify(scope);
      const group = batch.scopeGroups[i];
      if (!this.#scopes.has(key)) {
        this.#scopes.set(key, scope);
        this.#groups.set(key, group);
      } else if (this.#groups.get(key) !== group) {
        this.#groups.set(key, null);
      }
    });
    for (const period of batch.periods) {
      const key = `${period[0]}/${period[1]}`;
      if (!this.#periods.has(key)) this.#periods.set(key, period);
    }
    if (batch.unperiodized) this.#unperiodized = true;
  }

  get scopes(): CostScope[] {
    return [...this.#scopes.values()];
  }

  /** For each of `scopes`, in order: the one resource group all the file's lines of it name, or null. */
  get scopeGroups(): (string | null)[] {
    return [...this.#groups.values()];
  }

  /**
   * What step 2 removes, or null when the file had no rows. `span`: the UTC days from the file's first
   * charge day to its last (`minStart` and `maxStart`: its earliest and latest charge period starts, epoch
   * ms). A file whose lines name their billing periods restates those periods: stored lines billed in one
   * of them (`periodStarts`) go wherever in the span their charge falls (a correction billed now for an
   * earlier day included), and stored lines that name no period (loaded before periods were kept) go where
   * the span meets the periods (`cut`, exact bounds: a period that starts at 07:00 UTC, as Pacific-time
   * invoice months do, does not reach into its neighbour's first day). Lines billed in other periods stay.
   * A file without periods replaces its whole span. Throws BAD_USER_INPUT for a file where some lines name
   * a period and others do not.
   *
   * `covered`: the time the file restates, recorded for syncs (services/file-coverage): the cut, reaching
   * on to the end of its latest usage (`maxDayEnd`: the latest end of a line charged for a day or less), so
   * that a month whose last daily line ends at 07:00 UTC holds those hours of the next UTC day. A month's
   * recurring charge (a purchase billed for the whole month) does not mean its days are in the file yet.
   */
  plan(
    minStart: number,
    maxStart: number,
    maxDayEnd = -Infinity,
  ): { span: [number, number]; periodStarts: number[] | null; cut: [number, number][]; covered: [number, number][] } | null {
    if (this.#scopes.size === 0 || !Number.isFinite(minStart)) return null;
    const span: [number, number] = [floorDay(minStart), floorDay(maxStart) + DAY_MS];
    const reach: [number, number] = [span[0], Math.max(span[1], maxDayEnd)];
    if (this.#periods.size === 0) return { span, periodStarts: null, cut: [span], covered: [reach] };
    if (this.#unperiodized) {
      throw badInput('file', 'some lines name a billing period and others do not: a replacing import needs it on every line, or on none (then it replaces the days from its first line to its last)');
    }
    const periods = [...this.#periods.values()];
    return { span, periodStarts: [...new Set(periods.map((p) => p[0]))], cut: clip(periods, span), covered: clip(periods, reach) };
  }
}

/** Where `periods` meet `range`, sorted and merged. */
function clip(periods: [number, number][], range: [number, number]): [number, number][] {
  const cut = periods
    .map(([start, end]): [number, number] => [Math.max(start, range[0]), Math.min(end, range[1])])
    .filter(([a, b]) => a < b)
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of cut) {
    const last = merged.at(-1);
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

const floorDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;

const DAY_MS = 86_400_000;

/**
 * One load's replacement: created once the load holds the organization's bill-write lock, so the
 * delivery's imports it reads cannot change under it.
 */
export class CostReplacement {
  private constructor(
    private readonly tx: postgres.TransactionSql,
    private readonly orgId: string,
    private readonly importId: string,
    /** Import ids whose stored lines stay: the load's own and its delivery's. */
    private readonly keep: string[],
    private readonly sums: string,
  ) {}

  static async begin(tx: postgres.TransactionSql, orgId: string, replace: CostReplace, suffix: string): Promise<CostReplacement> {
    const keep = [replace.importId];
    if (replace.delivery !== null) {
      const parts = await tx<{ id: string }[]>`
        select id from imports where org_id = ${orgId} and kind = 'COSTS' and status = 'SUCCEEDED' and delivery = ${replace.delivery}`;
      keep.push(...parts.map((p) => p.id));
    }
    const sums = `cost_replaced_${suffix}`;
    await tx.unsafe(`create temp table ${sums} (currency text, amount numeric, rows bigint) on commit drop`);
    return new CostReplacement(tx, orgId, replace.importId, keep, sums);
  }

  /**
   * Step 1 for one batch whose keys (row_hash, charge_period_start, billing_period_start) are in `keys`: looks
   * them up (the loader's lookup, for a replacing load), deletes the stored lines of earlier imports, and returns
   * the hashes still stored (lines of this delivery, and lines billed in another period), which the batch leaves
   * out of its COPY. A line of another billing period is another bill's: its hash only names the same content
   * (row-hash tells apart a line billed outside its charge's period, not two periods that both hold its day),
   * and taking it would move that bill's line into this file's period, where a later import of its own period
   * no longer finds it.
   */
  async takeOver(keys: string): Promise<Set<string>> {
    const tx = this.tx;
    // one probe of the primary key per key, kept a nested loop by lateral … limit 1 as the loader's lookup is, but
    // an index scan: the row's place is needed to delete it. A join delete (… using keys) left the order to the
    // planner, which without statistics of a month just loaded scanned the keys once per stored row (25,000 lines
    // took 12 s), and with them hashed the keys and scanned the month once per batch
    const found = await withIndexProbes(tx, () => tx.unsafe<{ row_hash: string; part: string; ctid: string; take: boolean }[]>(
      `select k.row_hash, s.part, s.ctid::text as ctid, s.take from ${keys} k
       cross join lateral (select c.tableoid::regclass::text as part, c.ctid,
                                  c.source = 'file' and c.source_id <> all($2::uuid[])
                                    and (c.billing_period_start is null or k.billing_period_start is null
                                         or c.billing_period_start = k.billing_period_start) as take
                           from cost_records c
                           where c.org_id = $1 and c.row_hash = k.row_hash and c.charge_period_start = k.charge_period_start limit 1) s`,
      [this.orgId, this.keep],
    ));
    const kept = new Set<string>();
    const byPartition = new Map<string, string[]>();
    for (const f of found) {
      if (!f.take) kept.add(f.row_hash);
      else if (byPartition.has(f.part)) byPartition.get(f.part)!.push(f.ctid);
      else byPartition.set(f.part, [f.ctid]);
    }
    // by their places, in their month's partition: nothing else writes the organization's lines until commit (the
    // loader holds its bill-write lock), so the places stay theirs. `part` is the catalog's own (quoted) name
    for (const [part, ctids] of byPartition) {
      await tx.unsafe(
        // the organization and source once more: should a place ever be freed and reused by another's line, it stays
        `with gone as (delete from ${part} where ctid = any($1::text[]::tid[]) and org_id = $2 and source = 'file' returning currency, billed_cost)
         insert into ${this.sums} select currency, sum(billed_cost), count(*) from gone group by currency`,
        [ctids, this.orgId],
      );
    }
    return kept;
  }

  /**
   * Step 2, after the last batch, over the file's `region` and charge period starts; then the file takes its
   * scopes' days over from syncs (module comment). Returns what both steps replaced.
   */
  async finish(region: ReplacedRegion, minStart: number, maxStart: number, maxDayEnd: number): Promise<CostReplaced> {
    const plan = region.plan(minStart, maxStart, maxDayEnd);
    const scopes = region.scopes;
    const from = plan ? new Date(plan.span[0]) : null;
    let to = plan ? new Date(plan.span[1]) : null;
    let synced: RemovedLines = { rows: 0, totals: [], until: null };
    if (plan && from && to) {
      const iso = (ms: number) => new Date(ms).toISOString();
      // Instants travel as ISO text: postgres.js sends a timestamptz[] parameter's elements unencoded
      const isoRanges = (ranges: [number, number][]) => ranges.map((d): [string, string] => [iso(d[0]), iso(d[1])]);
      const cut = isoRanges(plan.cut);
      // one range scan of the span through the primary key (org, period start, hash); the scopes, periods and
      // ranges, a handful each, filter it
      await this.tx.unsafe(
        `with scope as (${scopeKeysSql('$4', '$5', '$6')}),
         cut as (select from_at::timestamptz, to_at::timestamptz from unnest($7::text[], $8::text[]) d(from_at, to_at)),
         period as (select p::timestamptz as start from unnest($10::text[]) p),
         gone as (
           delete from cost_records c
           where c.org_id = $1 and c.charge_period_start >= $2::timestamptz and c.charge_period_start < $3::timestamptz
             and c.source = 'file' and c.source_id <> all($9::uuid[])
             and ${inScopesSql('c', 'scope')}
             and (exists (select 1 from period p where c.billing_period_start = p.start)
                  or ((c.billing_period_start is null or $11::boolean)
                      and exists (select 1 from cut d where c.charge_period_start >= d.from_at and c.charge_period_start < d.to_at)))
           returning c.currency, c.billed_cost)
         insert into ${this.sums} select currency, sum(billed_cost), count(*) from gone group by currency`,
        [
          this.orgId,
          from.toISOString(),
          to.toISOString(),
          ...scopeArrays(scopes),
          cut.map((d) => d[0]),
          cut.map((d) => d[1]),
          this.keep,
          (plan.periodStarts ?? []).map(iso),
          // a file without periods replaces its span whatever period the stored lines name
          plan.periodStarts === null,
        ],
      );
      // the time the file restates is recorded, and synced lines whose day the files' recorded time now holds leave
      // (services/file-coverage)
      await recordFileCoverage(this.tx, this.orgId, this.importId, scopes, region.scopeGroups, isoRanges(plan.covered));
      // synced lines are Azure's; a line the covered time reaches into starts in the span's days or on the day after
      if (scopes.some((s) => s[0] === 'azure')) synced = await removeCoveredSyncedLines(this.tx, this.orgId, from, new Date(to.getTime() + DAY_MS), { scopes });
      // a synced day the file's time reaches into after its last day was replaced too: the span reaches on to it
      if (synced.until && synced.until > to) to = new Date(Math.ceil(synced.until.getTime() / DAY_MS) * DAY_MS);
    }
    const byCurrency = await this.tx.unsafe<{ currency: string; amount: string; rows: number }[]>(
      `select currency, sum(amount)::text as amount, sum(rows)::int as rows from ${this.sums} group by currency order by currency`,
    );
    await this.tx.unsafe(`drop table ${this.sums}`);
    return { ...removedByCurrency(byCurrency), synced, from, to };
  }
}

