import type { CostRow } from './cost-row.js';

export type CostFormat = 'azure' | 'focus';

/**
 * What an Azure export's cost column holds: `actual` (ActualCost: a reservation's purchase billed when
 * bought, the usage it covers at no cost) or `amortized` (AmortizedCost: the purchase spread over the usage
 * it covers, and its unused part as lines of their own). Both exports have the same columns; only such
 * lines tell them apart, and an export without reservations or savings plans holds the same lines either way.
 */
export type CostBasis = 'actual' | 'amortized';

/** `basis`: what this row shows of its file's cost basis, when it shows anything. */
export type MapResult = { ok: true; row: CostRow; basis?: CostBasis } | { ok: false; reason: string };

/** Turns the fields of one record into a CostRow; built once per file from its header. */
export interface RecordMapper {
  readonly format: CostFormat;
  /** Which header dialect this is, e.g. `ea`, `mca`, `payg-de`, `focus-1.0`. */
  readonly variant: string;
  map(fields: readonly string[]): MapResult;
}

export interface MapperOptions {
  /**
   * ISO 4217 code to use when the file has no currency column at all. Supplied by a caller who
   * knows the billing account's currency; the parser never assumes one itself.
   */
  assumeCurrency?: string;
}
