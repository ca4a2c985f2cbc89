import type { CostRow } from './cost-row.js';

export type CostFormat = 'azure' | 'focus';

export type MapResult = { ok: true; row: CostRow } | { ok: false; reason: string };

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
