import { badInput } from '../errors.js';
import { COST_FILE_FORMATS, importCostFile, type CostFileFormatOption } from '../services/cost-import.js';
import { boundedUpload, drain } from './body.js';
import { requireViewer } from './require-viewer.js';
import type { RouteDeps } from './routes.js';
import { sendJson, type RequestContext } from './router.js';

export interface CostUploadOptions {
  /**
   * Largest body accepted, in bytes; default none. The body streams into the importer (memory stays
   * flat whatever the size), so what a limit protects is database disk, not the server's memory.
   * Past it the import fails (PAYLOAD_TOO_LARGE) and nothing of it is kept but the FAILED record.
   */
  maxBytes?: number;
  /** The setting that sets `maxBytes`, named in the error so whoever hits the limit knows what to raise. */
  setting?: string;
}

/**
 * `POST /import/costs?format=auto|azure|focus&fileName=x.csv&currency=EUR&replace=true&delivery=run-1` — the
 * body is the cost export as is (plain or gzip: the content decides), streamed into the importer, never
 * buffered. ANALYST role. Answers the import report as JSON.
 */
export function costUploadHandler(deps: Pick<RouteDeps, 'database' | 'viewerOf'>, opts: CostUploadOptions = {}) {
  const maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY;
  return async (rc: RequestContext) => {
    const viewer = await requireViewer(rc, deps.viewerOf, 'ANALYST');
    const q = rc.url.searchParams;
    const format = q.get('format') ?? 'auto';
    if (!COST_FILE_FORMATS.includes(format as CostFileFormatOption)) throw badInput('format', `must be azure, focus or auto, got ${JSON.stringify(format)}`);
    const replace = q.get('replace') ?? 'false';
    if (replace !== 'true' && replace !== 'false') throw badInput('replace', `must be true or false, got ${JSON.stringify(replace)}`);
    const fileName = q.get('fileName') || null;
    const delivery = q.get('delivery') ?? undefined;
    // the parts of a delivery are told apart by their names: parts all called `upload` would share one, and a
    // line that is in two parts would count once
    if (delivery !== undefined && fileName === null) {
      throw badInput('fileName', 'is required with delivery: give each part of the export run its own name (its blob name, the same on a retry)');
    }
    const body = boundedUpload(rc.req, 'cost file', maxBytes, opts.setting);
    try {
      const report = await importCostFile(deps.database, viewer.orgId, body, {
        fileName: fileName ?? 'upload',
        format: format as CostFileFormatOption,
        assumeCurrency: q.get('currency') ?? undefined,
        replace: replace === 'true',
        delivery,
        principalId: viewer.principalId,
      });
      sendJson(rc.res, 200, report);
    } catch (err) {
      // the importer may stop reading part-way (a refused header); read the rest so the client gets the answer
      await drain(rc.req);
      throw err;
    }
  };
}
