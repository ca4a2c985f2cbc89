/**
 * What an import's report warns of: imports whose every row was read, yet whose lines may count wrongly beside
 * what is stored. Warned, not refused: each sign here also has innocent causes, and refusing would leave the
 * user no way to store such a file; the remedy (a replacing import) is named in the message.
 */
import type postgres from 'postgres';
import type { CostBasis, CostBasisLines } from '../ingest/costs/index.js';
import { inScopesSql, scopeArrays, scopeKeysSql } from './bill-scope.js';
import type { CostScope } from './cost-batch.js';

export type CostImportWarningCode = 'PART_ADDED' | 'ADDED_BESIDE_STORED' | 'COST_BASIS_MIXED' | 'LEGACY_HASH_AMBIGUOUS';

export interface CostImportWarning {
  code: CostImportWarningCode;
  message: string;
}

/** An export's part as Azure names it when it splits an export run (`part_0_0001.csv`, gzip or not). */
const AZURE_PART = /(?:^|[/\\])part_\d+_\d+\.csv(?:\.gz)?$/i;

export interface ImportFacts {
  importId: string;
  fileName: string;
  replace: boolean;
  inserted: number;
  unchanged: number;
  /** What the file shows of its cost basis (CostBasis), or null when the file did not say (or contradicts itself). */
  costBasis: CostBasis | null;
  /** The line that shows it. */
  costBasisLine: number | null;
  periodStart: Date | null;
  periodEnd: Date | null;
  scopes: CostScope[];
  /** Lines whose old hash a stored line has that could not be proven theirs (services/legacy-row-hash). */
  legacyUnproven: number[];
}

/** The file's cost basis: the one its lines show, or null when none do or they show both. */
export function costBasisOf(lines: CostBasisLines | null): { basis: CostBasis | null; line: number | null } {
  if (!lines) return { basis: null, line: null };
  if (lines.actual !== null && lines.amortized === null) return { basis: 'actual', line: lines.actual };
  if (lines.amortized !== null && lines.actual === null) return { basis: 'amortized', line: lines.amortized };
  return { basis: null, line: null };
}

/** The warnings of an import, inside its transaction (its lines are in place; earlier imports' too). */
export async function costImportWarnings(tx: postgres.TransactionSql, orgId: string, facts: ImportFacts): Promise<CostImportWarning[]> {
  // a replacing import restates what it bills: nothing stored counts beside it
  if (facts.replace) return [];
  const warnings: CostImportWarning[] = [];
  if (AZURE_PART.test(facts.fileName)) {
    warnings.push({
      code: 'PART_ADDED',
      message:
        `${facts.fileName} is named as one part of a multi-part export run: import the parts with replace and the run's id as delivery. ` +
        'Added, a line that is in two parts counts once, since each file counts its identical lines from its first',
    });
  }
  // some lines new, some already stored by earlier imports: another part of one export run, or a later version of an
  // export imported before, or the other cost basis of the same usage. A file imported twice stores nothing new
  if (facts.inserted > 0 && facts.unchanged > 0) {
    warnings.push({
      code: 'ADDED_BESIDE_STORED',
      message:
        `${facts.unchanged} of the file's lines equal lines earlier imports stored, and were not stored again, while ${facts.inserted} were new. ` +
        'If the file is a part of a multi-part export, import the parts with replace and one delivery (added, a line in two parts counts once); ' +
        'if it is a newer version of an export already imported, import it with replace (added, its revised lines count twice)',
    });
  }
  if (facts.legacyUnproven.length > 0) {
    const n = facts.legacyUnproven.length;
    warnings.push({
      code: 'LEGACY_HASH_AMBIGUOUS',
      message:
        `${n} line${n === 1 ? '' : 's'} (${lineList(facts.legacyUnproven)}) hashed otherwise before lines billed outside their billing period and ` +
        "corrections were told apart from their period's equal lines, and a stored line has the old hash but cannot be proven the same line: " +
        'it names no billing period (stored before periods were read, it may be the equal line of another period), or the line is stored ' +
        'under its new hash as well (imported again before old hashes were recognised). Left as stored, so the line may count twice: ' +
        'a replacing import of the file restates it',
    });
  }
  if (facts.costBasis && facts.periodStart && facts.periodEnd && facts.scopes.length > 0) {
    const other: CostBasis = facts.costBasis === 'actual' ? 'amortized' : 'actual';
    const mixed = await importsOfBasis(tx, orgId, facts, other);
    if (mixed.length > 0) {
      const names = mixed.map((m) => `${m.file_name} (import ${m.id})`).join(', ');
      warnings.push({
        code: 'COST_BASIS_MIXED',
        message:
          `this file is ${facts.costBasis === 'actual' ? 'an ActualCost' : 'an AmortizedCost'} export (line ${facts.costBasisLine}), and ${names} ` +
          `stored ${other === 'actual' ? 'ActualCost' : 'AmortizedCost'} lines of the same sub accounts and days: both now count, ` +
          'so reservations and savings plans count twice (once as the purchase, once spread over the usage). Import one cost basis per ' +
          'sub account, with replace (a replacing import of either removes the other on its days)',
      });
    }
  }
  return warnings;
}

/** `line 3`, `lines 3, 5 and 9`, or the first ten and how many more. */
function lineList(lines: number[]): string {
  const shown = lines.slice(0, 10);
  const more = lines.length - shown.length;
  if (shown.length === 1) return `line ${shown[0]}`;
  if (more > 0) return `lines ${shown.join(', ')} and ${more} more`;
  return `lines ${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}`;
}

/**
 * Earlier imports whose report names cost basis `basis` and that still have lines of the file's scopes in its
 * period: at most three, newest first. Reports stored before the basis was detected name none.
 */
async function importsOfBasis(tx: postgres.TransactionSql, orgId: string, facts: ImportFacts, basis: CostBasis): Promise<{ id: string; file_name: string }[]> {
  return tx.unsafe<{ id: string; file_name: string }[]>(
    `with scope as (${scopeKeysSql('$6', '$7', '$8')})
     select i.id, i.file_name from imports i
     where i.org_id = $1 and i.kind = 'COSTS' and i.status = 'SUCCEEDED' and i.id <> $2 and i.report->>'costBasis' = $3
       and (i.report->>'periodStart')::timestamptz < $5::timestamptz and (i.report->>'periodEnd')::timestamptz > $4::timestamptz
       and exists (select 1 from cost_records c
                   where c.org_id = $1 and c.charge_period_start >= $4::timestamptz and c.charge_period_start < $5::timestamptz
                     and c.source = 'file' and c.source_id = i.id and ${inScopesSql('c', 'scope')})
     order by i.started_at desc
     limit 3`,
    [orgId, facts.importId, basis, facts.periodStart!.toISOString(), facts.periodEnd!.toISOString(), ...scopeArrays(facts.scopes)],
  );
}
