/**
 * Which source bills a subscription's days when both an export file and an Azure sync bring them: the
 * file. A replacing file import records the time it restated for each of its scopes (cost_file_coverage);
 * a synced line leaves once the files' recorded time of its scope, all ranges together, holds its whole
 * charge period.
 *
 * Azure exports can be made of one resource group. A file whose lines of a subscription all name one resource
 * group is taken for such an export, and records its time for that group only (scope key
 * `azure/subscriptions/<guid>/resourcegroups/<group>`): it takes over the group's synced lines, not the rest of
 * the subscription's, which nothing else bills. An export of a whole subscription has lines of several groups,
 * or charges of none (purchases, support); one of a subscription that uses a single group takes that group over,
 * which is all the sync brings of it bar charges the file does not hold either. Together, because a synced line is a UTC day and invoice months need not start at UTC
 * midnight (Pacific-time months start at 07:00): such a day is the files' only when both months' exports
 * are in; until then the synced day stays beside the part one export holds, rather than lose the rest.
 *
 * Both a replacing import (taking over what is stored) and a sync (leaving what it just fetched) remove
 * lines here, under the organization's bill-write lock (services/cost-write-lock).
 */
import type postgres from 'postgres';
import { billScopeSql, inScopesSql, scopeArrays, scopeKeysSql } from './bill-scope.js';
import type { CostScope } from './cost-batch.js';
import type { CurrencyTotal } from './cost-loader.js';

export interface RemovedLines {
  rows: number;
  /** Billed cost per currency, summed in SQL; sorted by currency. */
  totals: CurrencyTotal[];
  /** The latest charge period end among them (their days leave the rollup), or null. */
  until: Date | null;
}

/** Removed lines' per-currency sums as SQL gives them (currency a padded char(3)), and their count. */
export function removedByCurrency(sums: readonly CurrencyTotal[]): Pick<RemovedLines, 'rows' | 'totals'> {
  const totals = sums.map(({ currency, amount, rows }) => ({ currency: currency.trim(), amount, rows }));
  return { rows: totals.reduce((n, t) => n + t.rows, 0), totals };
}

/**
 * Records that import `importId` restated `scopes` over the ranges `cut` ([from, to), ISO); `groups`, one per
 * scope: the one resource group all the file's lines of it name, or null (module comment). A range an earlier
 * import recorded inside one of these goes: a month-to-date export each day covers what yesterday's did and a
 * day more, so a scope keeps about one range per month however often it is imported.
 */
export async function recordFileCoverage(
  tx: postgres.TransactionSql,
  orgId: string,
  importId: string,
  scopes: CostScope[],
  groups: (string | null)[],
  cut: [string, string][],
): Promise<void> {
  await tx.unsafe(
    `with scope as (
       select distinct case when k.key like 'azure/subscriptions/%' and u.g is not null then k.key || '/resourcegroups/' || lower(u.g) else k.key end as key
       from unnest($2::text[], $3::text[], $4::text[], $8::text[]) u(p, b, s, g)
       cross join lateral (select ${billScopeSql('u.p', 'u.b', 'u.s')} as key) k),
     cut as (select from_at::timestamptz, to_at::timestamptz from unnest($5::text[], $6::text[]) d(from_at, to_at)),
     subsumed as (delete from cost_file_coverage o using scope s, cut d
                  where o.org_id = $1 and o.scope = s.key and o.period_start >= d.from_at and o.period_end <= d.to_at)
     insert into cost_file_coverage (org_id, scope, period_start, period_end, import_id)
     select distinct $1::uuid, s.key, d.from_at, d.to_at, $7::uuid from scope s cross join cut d`,
    [orgId, ...scopeArrays(scopes), cut.map((d) => d[0]), cut.map((d) => d[1]), importId, groups],
  );
}

/**
 * Removes the synced lines starting in [from, to) whose whole charge period the files cover: of one
 * connection (a sync, right after its load), or of `scopes` (a replacing import, right after recording
 * its coverage), which it skips when no sync loaded lines in those days.
 */
export async function removeCoveredSyncedLines(
  tx: postgres.TransactionSql,
  orgId: string,
  from: Date,
  to: Date,
  only: { connectionId: string } | { scopes: CostScope[] },
): Promise<RemovedLines> {
  const connectionId = 'connectionId' in only ? only.connectionId : null;
  const scopes = 'scopes' in only ? only.scopes : null;
  // a line's scope key is worked out once per (provider, billing account, sub account, resource group), not per line (it costs two
  // regular expressions). Sub accounts are matched through coalesce(…, '') so the join can hash them: no source stores
  // an empty one (readers make it null)
  const sums = await tx.unsafe<{ currency: string; amount: string; rows: number; until: Date | null }[]>(
    `with scope as (${scopeKeysSql('$5', '$6', '$7')}),
     cov as materialized (
       select f.scope, range_agg(tstzrange(f.period_start, f.period_end)) as covered
       from cost_file_coverage f
       where f.org_id = $1 and f.period_start < $3::timestamptz and f.period_end > $2::timestamptz
         and ($8::boolean or f.scope in (select key from scope)
              or exists (select 1 from scope s where starts_with(f.scope, s.key || '/resourcegroups/')))
       group by f.scope),
     line as materialized (
       select c.charge_period_start, c.charge_period_end, c.row_hash, c.provider, c.billing_account_id, c.sub_account_id, c.resource_group
       from cost_records c
       where c.org_id = $1 and c.source = 'azure_api' and ($4::uuid is null or c.source_id = $4::uuid)
         and c.charge_period_start >= $2::timestamptz and c.charge_period_start < $3::timestamptz
         and exists (select 1 from cov)
         and ($4::uuid is not null or exists (select 1 from cost_syncs s where s.org_id = $1 and s.status = 'SUCCEEDED'
                                                and s.window_start < $3::timestamptz and s.window_end > $2::timestamptz))
         and ($8::boolean or ${inScopesSql('c', 'scope')})),
     keyed as materialized (
       select t.*, t.scope || '/resourcegroups/' || lower(t.resource_group) as group_scope
       from (select d.*, ${billScopeSql('d.provider', 'd.billing_account_id', 'd.sub_account_id')} as scope
             from (select distinct provider, billing_account_id, sub_account_id, resource_group from line) d) t),
     hit as (
       select l.charge_period_start, l.row_hash from line l
       join keyed k on k.provider = l.provider and coalesce(k.sub_account_id, '') = coalesce(l.sub_account_id, '')
                   and k.billing_account_id is not distinct from l.billing_account_id
                   and coalesce(k.resource_group, '') = coalesce(l.resource_group, '')
       -- the subscription's recorded time, or its group's (an export of one resource group)
       join cov on cov.scope = k.scope or cov.scope = k.group_scope
       where cov.covered @> tstzrange(l.charge_period_start, l.charge_period_end)),
     gone as (
       delete from cost_records c using hit
       where c.org_id = $1 and c.charge_period_start = hit.charge_period_start and c.row_hash = hit.row_hash and c.source = 'azure_api'
       returning c.currency, c.billed_cost, c.charge_period_end)
     select currency, sum(billed_cost)::text as amount, count(*)::int as rows, max(charge_period_end) as until
     from gone group by currency order by currency`,
    [orgId, from.toISOString(), to.toISOString(), connectionId, ...scopeArrays(scopes ?? []), scopes === null],
  );
  const until = sums.reduce<Date | null>((at, s) => (s.until && (!at || new Date(s.until) > at) ? new Date(s.until) : at), null);
  return { ...removedByCurrency(sums), until };
}
