import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { COST_FILE_FORMATS, importCostFile, QUARANTINE_SAMPLE, type CostFileFormatOption, type CostImportDatabase, type CostImportReport } from '../services/cost-import.js';

export interface ImportCostsCommand {
  file: string;
  format: string;
  currency?: string;
  /** Replace earlier imports' lines of the file's sub accounts and days (services/cost-replace). */
  replace?: boolean;
  delivery?: string;
  orgId: string;
  /** Where the report goes (stdout); the progress bar draws on stderr. */
  out: NodeJS.WritableStream;
  /** Draw a progress bar (off when stderr is not a terminal). */
  progress: boolean;
}

/** `gct import costs <file>`: streams the file into the importer with a progress bar by bytes read, then prints the report. */
export async function importCostsCommand(database: CostImportDatabase, cmd: ImportCostsCommand): Promise<CostImportReport> {
  if (!COST_FILE_FORMATS.includes(cmd.format as CostFileFormatOption)) throw new Error(`--format must be azure, focus or auto, got ${JSON.stringify(cmd.format)}`);
  const size = (await stat(cmd.file)).size;
  const input = createReadStream(cmd.file);
  const bar = cmd.progress
    ? new cliProgress.SingleBar({ format: 'importing {bar} {percentage}% | {value}/{total} bytes | {rows} rows', hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined;
  bar?.start(size, 0, { rows: 0 });
  // bytes are read ahead of rows: between progress calls, keep the bar moving with the file position
  const ticker = bar ? setInterval(() => bar.update(input.bytesRead), 250) : undefined;
  let report: CostImportReport;
  try {
    report = await importCostFile(database, cmd.orgId, input, {
      fileName: path.basename(cmd.file),
      format: cmd.format as CostFileFormatOption,
      assumeCurrency: cmd.currency,
      replace: cmd.replace,
      delivery: cmd.delivery,
      onProgress: (rows) => bar?.update(input.bytesRead, { rows }),
    });
    bar?.update(size);
  } finally {
    if (ticker) clearInterval(ticker);
    bar?.stop();
  }
  // after the bar has stopped: it owns the terminal line while it runs
  cmd.out.write(formatCostImportReport(report));
  return report;
}

/** The report as the CLI prints it: counts, totals per currency, the first quarantined rows with their lines. */
export function formatCostImportReport(report: CostImportReport): string {
  const lines = [
    `imported ${report.fileName} (${report.format}/${report.variant}) as import ${report.importId}`,
    `rows read ${report.rowsRead}: loaded ${report.rowsLoaded}, already present ${report.rowsUnchanged}, quarantined ${report.rowsQuarantined}`,
  ];
  if (report.periodStart && report.periodEnd) lines.push(`period ${report.periodStart} to ${report.periodEnd}`);
  for (const t of report.totals) lines.push(`total ${t.currency} ${t.amount} (${t.rows} rows)`);
  const r = report.replaced;
  if (r) {
    const days = r.from && r.to ? ` on ${r.from.slice(0, 10)} to ${r.to.slice(0, 10)} (exclusive)` : '';
    lines.push(`replaced ${r.rows} earlier rows of the file's sub accounts${days}${r.delivery ? `; delivery ${r.delivery}` : ''}`);
    for (const t of r.totals) lines.push(`replaced total ${t.currency} ${t.amount} (${t.rows} rows)`);
    if (r.synced.rows > 0) lines.push(`took over ${r.synced.rows} synced rows of those days from Azure syncs`);
    for (const t of r.synced.totals) lines.push(`took over total ${t.currency} ${t.amount} (${t.rows} rows)`);
  }
  if (report.costBasis) lines.push(`cost basis ${report.costBasis}`);
  for (const w of report.warnings) lines.push(`warning ${w.code}: ${w.message}`);
  if (report.rowsQuarantined > 0) {
    const shown = report.quarantined.length;
    lines.push(`quarantined rows${report.rowsQuarantined > shown ? ` (first ${shown} of ${report.rowsQuarantined}; all are kept with the import)` : ''}:`);
    for (const q of report.quarantined.slice(0, QUARANTINE_SAMPLE)) lines.push(`  line ${q.line}: ${q.reason}`);
  }
  return `${lines.join('\n')}\n`;
}
