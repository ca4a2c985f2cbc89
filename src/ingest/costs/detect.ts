import { createAzureMapper, looksLikeAzure } from './azure-mapper.js';
import { CostFileFormatError } from './errors.js';
import { createFocusMapper, looksLikeFocus } from './focus-mapper.js';
import { ColumnIndex, type HeaderColumn } from './header.js';
import type { CostFormat, MapperOptions, RecordMapper } from './mapper.js';

const FOCUS_NEEDS = 'FOCUS needs BilledCost, ChargePeriodStart and ChargePeriodEnd';
const AZURE_NEEDS =
  'an Azure export needs a date column (Date, UsageDateTime, UsageDate), a cost column (CostInBillingCurrency, Cost, PreTaxCost) and Azure columns such as MeterCategory, SubscriptionId or ResourceId';

/** Picks the format from the header (matched case-insensitively) and builds its row mapper. */
export function mapperForHeader(header: readonly HeaderColumn[], requested: CostFormat | 'auto', options: MapperOptions): RecordMapper {
  const index = new ColumnIndex(header);
  const focus = looksLikeFocus(index);
  const azure = looksLikeAzure(index);
  if (requested === 'focus' || (requested === 'auto' && focus)) {
    if (!focus) throw new CostFileFormatError(`expected a FOCUS file, but ${FOCUS_NEEDS}${azure ? ' (the header looks like an Azure export)' : ''}; header: ${preview(header)}`);
    return createFocusMapper(index, options);
  }
  if (requested === 'azure' || azure) {
    if (!azure) throw new CostFileFormatError(`expected an Azure cost export, but ${AZURE_NEEDS}${focus ? ' (the header looks like FOCUS)' : ''}; header: ${preview(header)}`);
    return createAzureMapper(index, options);
  }
  throw new CostFileFormatError(`not a cost export: ${FOCUS_NEEDS}, and ${AZURE_NEEDS}; header: ${preview(header)}`);
}

function preview(header: readonly HeaderColumn[]): string {
  const names = header.slice(0, 8).map((c) => JSON.stringify(c.name.length > 40 ? `${c.name.slice(0, 37)}...` : c.name));
  return names.join(',') + (header.length > 8 ? `,… (${header.length} columns)` : '');
}
