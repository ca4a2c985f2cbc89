/**
 * What reconciliation and what reads its results must agree on: the window it replaces, and which
 * bill lines and pools it reads. Apart from reconcile.ts so that billed-in-full.ts, which reconcile.ts
 * calls, can use them too.
 */
import { sql, type SQL } from 'drizzle-orm';
import { badInput } from '../errors.js';

export interface ReconcileWindow {
  /** Charge periods starting in [from, to) are reconciled. */
  from: Date;
  to: Date;
}

/** Longest window one reconciliation replaces (a year of bills, in one transaction). */
export const MAX_RECONCILE_DAYS = 366;

export function checkReconcileWindow(window: ReconcileWindow): void {
  for (const field of ['from', 'to'] as const) {
    if (!(window[field] instanceof Date) || Number.isNaN(window[field].getTime())) throw badInput(field, 'must be a date-time');
  }
  if (window.from.getTime() >= window.to.getTime()) throw badInput('from', 'must be before to');
  const days = (window.to.getTime() - window.from.getTime()) / 86_400_000;
  if (days > MAX_RECONCILE_DAYS) throw badInput('from', `the window spans ${Math.ceil(days)} days; at most ${MAX_RECONCILE_DAYS} are reconciled at once`);
}

/**
 * Over a cost_records row: a line of machine hours (its quantity in hours), so its cost per hour is its
 * rate. Azure's quantity is in the meter's base unit even when the unit names a block ("10 Hours"),
 * FOCUS's too.
 */
export function billedInHours(cr: SQL): SQL {
  return sql`(lower(trim(${cr}.consumed_unit)) ~ '^([0-9]+ +)*(hours?|hrs?|horas?|instance hours?)$' and ${cr}.consumed_quantity > 0)`;
}

/** Over a bill line (cost_records or rc_lines): in hours, or in no unit at all; not a disk's GB or a network's. */
export function machineTime(line: SQL): SQL {
  return sql`(coalesce(trim(${line}.consumed_unit), '') = '' or ${billedInHours(line)})`;
}

/** Over a pool row: a pool bill lines can find, by its resource id (what reconciliation's rc_pools holds). */
export function hasBillResource(p: SQL): SQL {
  return sql`coalesce(${p}.resource_id, '') <> ''`;
}

/** Over a cost_records row: what the line costs, and what its allocations sum to: its effective (amortized) cost, else its billed cost. */
export function lineCost(cr: SQL): SQL {
  return sql`coalesce(${cr}.effective_cost, ${cr}.billed_cost)`;
}

/**
 * Over a cost_records row `cr` and a pool's resource id lowered (`rid`, of a pool with one: see
 * hasBillResource): the line bills the pool, its resource being the pool's or below it (one VM of
 * its scale set), compared case-insensitively.
 */
export function billsPool(cr: SQL, rid: SQL): SQL {
  return sql`(${cr}.resource_id is not null and (lower(${cr}.resource_id) = ${rid} or starts_with(lower(${cr}.resource_id), ${rid} || '/')))`;
}

/**
 * Over a cost_records row: a pool line, one reconciliation splits over tasks and idle rather than
 * leaving unallocated — what cost centres and the explorer must count as explained, before and
 * after the line is reconciled.
 */
export function isPoolLine(cr: SQL): SQL {
  return sql`exists (select 1 from pools p where p.org_id = ${cr}.org_id and ${hasBillResource(sql`p`)} and ${billsPool(cr, sql`lower(p.resource_id)`)})`;
}
