/**
 * VM prices: seeded from the snapshots shipped in `data/prices/` and looked up by provider, region,
 * size, priority and date. Prices are reference data shared by every organization (no org_id), so
 * this service takes only the database.
 *
 * Region fallback: the shipped Azure snapshot holds one price per size, West Europe's. A lookup for
 * another region first tries that region (a later snapshot or a refresh may add it), then falls back
 * to the provider's reference region and says so in the answer (`regionFallback`). SPOT has no meter
 * in the snapshot: it falls back to LOW_PRIORITY (Azure Batch's spot nodes bill at the low-priority
 * rate) and says so too (`priorityFallback`). A date before the oldest snapshot (history from years
 * ago) gets the earliest price there is, flagged `dateFallback`. Nothing falls back silently.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { prices, type PriceRow, type VmPriority } from '../db/schema/index.js';
import { parseAzureBatchPrices, SNAPSHOT_REGION } from '../ingest/prices/azure-batch-prices.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** `data/prices/` at the repository root, whether running from `src/services/` or `dist/src/services/`. */
export const priceDataFolder = path.resolve(here, here.includes(`${path.sep}dist${path.sep}`) ? '../../../data/prices' : '../../data/prices');

/** Where each provider's snapshot prices come from, when a region has none of its own. */
export const REFERENCE_REGION: Record<string, string> = { azure: SNAPSHOT_REGION };

export interface SeedReport {
  files: string[];
  rows: number;
  inserted: number;
}

/**
 * Inserts every shipped snapshot's rows; rows already present (same provider, region, size, priority,
 * effective date) are left alone, so running it at every start is harmless and fast.
 */
export async function seedPrices(db: Pick<Db, 'insert'>, folder = priceDataFolder): Promise<SeedReport> {
  const azureDir = path.join(folder, 'azure');
  const files = (await readdir(azureDir)).filter((f) => f.endsWith('.json')).sort();
  let rows = 0;
  let inserted = 0;
  for (const file of files) {
    const parsed = parseAzureBatchPrices(await readFile(path.join(azureDir, file), 'utf8'), file);
    rows += parsed.rows.length;
    if (parsed.rows.length === 0) continue;
    const done = await db.insert(prices).values(parsed.rows).onConflictDoNothing().returning({ id: prices.id });
    inserted += done.length;
  }
  return { files, rows, inserted };
}

export interface PriceQuery {
  provider?: string | null;
  region?: string | null;
  vmSize: string;
  priority?: VmPriority | null;
  /** `YYYY-MM-DD` or a Date; the price effective that day (latest effective_from ≤ date). Default today. */
  date?: string | Date | null;
}

export interface PriceAnswer {
  price: PriceRow;
  /** What was asked. */
  requestedRegion: string;
  requestedPriority: VmPriority;
  /** True when the price is the reference region's because the requested one has none. */
  regionFallback: boolean;
  /** True when SPOT was answered with the LOW_PRIORITY price. */
  priorityFallback: boolean;
  /** True when no price was in force on the date and the earliest later one was used. */
  dateFallback: boolean;
}

const dayOf = (d: string | Date | null | undefined): string => {
  if (d == null) return new Date().toISOString().slice(0, 10);
  return typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10);
};

export class PriceService {
  constructor(private readonly db: Db) {}

  /** The price in force on `date`, with the documented fallbacks; null when the size has no price at all. */
  async lookup(q: PriceQuery): Promise<PriceAnswer | null> {
    const [answer] = await this.lookupMany([q]);
    return answer;
  }

  /**
   * Many lookups in one query (a run's tasks use a handful of distinct sizes). Answers in input order.
   * Preference per query: a price in force on the date over a later one, exact region over reference
   * region, exact priority over SPOT→LOW_PRIORITY, then the newest in force (else the earliest later one).
   */
  async lookupMany(queries: readonly PriceQuery[]): Promise<(PriceAnswer | null)[]> {
    if (queries.length === 0) return [];
    const norm = queries.map((q) => {
      const provider = (q.provider ?? 'azure').toLowerCase();
      return {
        provider,
        region: (q.region ?? REFERENCE_REGION[provider] ?? '').toLowerCase(),
        reference: REFERENCE_REGION[provider] ?? '',
        vmSize: q.vmSize.trim().toLowerCase(),
        priority: q.priority ?? 'DEDICATED',
        day: dayOf(q.date),
      };
    });
    const json = JSON.stringify(norm.map((n, i) => ({ i, ...n })));
    const rows = (await this.db.execute(sql`
      with q as (
        select * from jsonb_to_recordset(${json}::jsonb)
          as x(i int, provider text, region text, reference text, "vmSize" text, priority text, day date)
      )
      select q.i, p.*
      from q
      cross join lateral (
        select p.id, p.provider, p.region, p.vm_size as "vmSize", p.priority, p.vcpus, p.memory_gib as "memoryGib",
               p.price_per_hour as "pricePerHour", p.currency, p.effective_from::text as "effectiveFrom", p.source,
               p.created_at as "createdAt", p.updated_at as "updatedAt"
        from prices p
        where p.provider = q.provider
          and lower(p.vm_size) = q."vmSize"
          and p.region in (q.region, q.reference)
          and (p.priority::text = q.priority or (q.priority = 'SPOT' and p.priority = 'LOW_PRIORITY'))
        order by (p.effective_from <= q.day) desc, (p.region = q.region) desc, (p.priority::text = q.priority) desc,
                 case when p.effective_from <= q.day then p.effective_from end desc, p.effective_from
        limit 1
      ) p`)) as unknown as (PriceRow & { i: number })[];
    const out: (PriceAnswer | null)[] = queries.map(() => null);
    for (const { i, ...price } of rows) {
      const n = norm[i];
      out[i] = {
        price: price as PriceRow,
        requestedRegion: n.region,
        requestedPriority: n.priority,
        regionFallback: price.region !== n.region,
        priorityFallback: price.priority !== n.priority,
        dateFallback: price.effectiveFrom > n.day,
      };
    }
    return out;
  }
}
