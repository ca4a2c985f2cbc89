import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { badInput } from '../errors.js';
import { textCell } from '../services/csv-cell.js';
import { COST_DIMENSIONS, CostService, groupKeyField, type CostDimension, type CostFilter, type CostGroupBy, type CostGroupRow } from '../services/costs.js';
import { requireViewer } from './require-viewer.js';
import type { RouteDeps } from './routes.js';
import type { RequestContext } from './router.js';

const LIST_FILTERS = ['provider', 'subAccount', 'resourceGroup', 'service', 'region'] as const;
const SINGLE = ['from', 'to'] as const;
const PARAMETERS: ReadonlySet<string> = new Set([...SINGLE, 'groupBy', ...LIST_FILTERS]);

/**
 * `GET /export/costs.csv?from=…&to=…&groupBy=DAY,SERVICE,TAG:project&service=…&tag.project=P-001` —
 * the `costs` query as CSV for notebooks (`pandas.read_csv`): one row per group and currency, every
 * group (no paging), streamed from a database cursor. Same filters, same sums, same auth (VIEWER).
 * List filters take comma-separated values or repeat; `tag.<key>=<value>` filters on tags.
 */
export function costExportHandler(deps: Pick<RouteDeps, 'database' | 'viewerOf' | 'config'>) {
  return async (rc: RequestContext) => {
    const viewer = await requireViewer(rc, deps.viewerOf, 'VIEWER');
    const q = rc.url.searchParams;
    checkParameters(q);
    const filter = filterOf(q);
    const groupBy = groupByOf(q);
    const service = new CostService(deps.database.db, viewer.orgId, deps.config.maxPageSize);
    const groups = service.allGroups(filter, groupBy);
    // the first row validates the query: errors still answer as JSON, before any CSV is sent
    const first = await groups.next();
    const header = [...groupBy.map((g) => ({ key: columnOf(g), header: textCell(columnOf(g))! })), 'currency', 'amount', 'rows'];
    rc.res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="costs.csv"' });
    async function* records() {
      if (first.done) return;
      yield rowOf(first.value.group, groupBy);
      for await (const { group } of groups) yield rowOf(group, groupBy);
    }
    await pipeline(Readable.from(records()), stringify({ header: true, columns: header }), rc.res);
  };
}

/**
 * Every parameter is a filter or a grouping, so one the export does not read (a typo such as `projct`,
 * `tag.` without a key, a paging argument of the GraphQL query) or one left empty (`provider=`, a
 * notebook's unset variable) would answer the whole organization's costs as if it had narrowed them.
 * Refused instead, naming the parameter. A tag's value may be empty: it narrows to that empty value.
 */
function checkParameters(q: URLSearchParams): void {
  for (const name of new Set(q.keys())) {
    const values = q.getAll(name);
    if (name.startsWith('tag.')) {
      if (name === 'tag.') throw badInput(name, 'names no tag key: tag.<key>=<value>');
      if (values.length > 1) throw badInput(name, 'is given more than once; a tag matches one value');
      continue;
    }
    if (!PARAMETERS.has(name)) throw badInput(name, `is not a parameter of this export; one of ${[...PARAMETERS].join(', ')}, tag.<key>`);
    if ((SINGLE as readonly string[]).includes(name) && values.length > 1) throw badInput(name, 'is given more than once');
    if (values.flatMap((v) => v.split(',')).every((v) => v.trim() === '')) throw badInput(name, 'is empty; leave the parameter out to not filter or group by it');
  }
}

function filterOf(q: URLSearchParams): CostFilter {
  const date = (name: 'from' | 'to') => {
    const raw = q.get(name);
    if (raw === null || raw === '') return null;
    const d = new Date(raw);
    if (Number.isNaN(d.getTime())) throw badInput(name, `is not a date (ISO 8601), got ${JSON.stringify(raw)}`);
    return d;
  };
  const filter: CostFilter = { from: date('from'), to: date('to') };
  for (const name of LIST_FILTERS) {
    const values = q.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
    if (values.length > 0) filter[name] = values;
  }
  const tags: Record<string, string> = {};
  for (const [key, value] of q) if (key.startsWith('tag.') && key.length > 4) tags[key.slice(4)] = value;
  if (Object.keys(tags).length > 0) filter.tags = tags;
  return filter;
}

function groupByOf(q: URLSearchParams): CostGroupBy[] {
  const items = q.getAll('groupBy').flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return items.map((item, i) => {
    const [dimension, ...rest] = item.split(':');
    const upper = dimension.toUpperCase();
    if (!(COST_DIMENSIONS as readonly string[]).includes(upper)) throw badInput(`groupBy.${i}`, `unknown dimension ${JSON.stringify(dimension)}; one of ${COST_DIMENSIONS.join(', ')} (TAG:<key>)`);
    return { dimension: upper as CostDimension, tagKey: rest.length > 0 ? rest.join(':') : null };
  });
}

const columnOf = (g: CostGroupBy) => (g.dimension === 'TAG' ? `tag:${g.tagKey}` : groupKeyField(g.dimension));

function rowOf(group: CostGroupRow, groupBy: CostGroupBy[]): Record<string, string | number | null> {
  const row: Record<string, string | number | null> = { currency: group.currency, amount: group.amount, rows: group.rows };
  for (const g of groupBy) {
    const key = g.dimension === 'TAG' ? (group.keys.tags?.find((t) => t.key === g.tagKey)?.value ?? null) : group.keys[groupKeyField(g.dimension)];
    row[columnOf(g)] = typeof key === 'string' ? textCell(key) : key;
  }
  return row;
}
