import { isArmId, resourceGroupFromArmId } from './arm-id.js';
import { parseTimestamp } from './dates.js';
import { CostFileFormatError } from './errors.js';
import { FieldReader } from './field-reader.js';
import { ColumnIndex, type HeaderColumn } from './header.js';
import type { MapperOptions, MapResult, RecordMapper } from './mapper.js';
import { memoDates, memoize, memoTags, optionalDate } from './memo.js';
import { providerKey } from './provider.js';

/**
 * FOCUS 1.0–1.2 columns we read. Newer FOCUS names the provider ServiceProviderName (the
 * deprecated ProviderName has the same meaning) besides HostProviderName (whose
 * infrastructure it runs on); the service provider is the one billing the charge, so it wins.
 * `x_ResourceGroupName` is Microsoft's FOCUS extension column.
 */
export const FOCUS_COLUMNS = {
  billedCost: ['billedcost'],
  effectiveCost: ['effectivecost'],
  listCost: ['listcost'],
  start: ['chargeperiodstart'],
  end: ['chargeperiodend'],
  currency: ['billingcurrency'],
  provider: ['serviceprovidername', 'providername', 'hostprovidername'],
  billingAccountId: ['billingaccountid'],
  subAccountId: ['subaccountid'],
  subAccountName: ['subaccountname'],
  resourceId: ['resourceid'],
  resourceName: ['resourcename'],
  resourceGroup: ['x_resourcegroupname'],
  resourceType: ['resourcetype'],
  serviceName: ['servicename'],
  serviceCategory: ['servicecategory'],
  skuId: ['skuid'],
  meter: ['x_skumetername', 'skumeter'],
  regionId: ['regionid'],
  chargeCategory: ['chargecategory'],
  chargeClass: ['chargeclass'],
  consumedQuantity: ['consumedquantity'],
  consumedUnit: ['consumedunit'],
  tags: ['tags'],
  billingPeriodStart: ['billingperiodstart'],
  billingPeriodEnd: ['billingperiodend'],
} as const satisfies Record<string, readonly string[]>;

/** Columns that first appeared in FOCUS 1.1 and 1.2, to name the variant. */
const FOCUS_1_1 = ['servicesubcategory', 'skumeter', 'skupricedetails', 'capacityreservationid', 'commitmentdiscountquantity'];
const FOCUS_1_2 = ['pricingcurrency', 'invoiceid', 'billingaccounttype', 'subaccounttype', 'serviceprovidername', 'hostprovidername'];

export function looksLikeFocus(index: ColumnIndex): boolean {
  return index.has('billedcost') && index.has('chargeperiodstart');
}

const TIMESTAMP = 'a date-time such as 2024-09-01T00:00:00Z';

export function createFocusMapper(index: ColumnIndex, options: MapperOptions): RecordMapper {
  const c = Object.fromEntries(Object.entries(FOCUS_COLUMNS).map(([role, aliases]) => [role, index.find(...aliases)])) as {
    [K in keyof typeof FOCUS_COLUMNS]: HeaderColumn | undefined;
  };
  const missing = (['billedCost', 'start', 'end'] as const).filter((role) => !c[role]).map((role) => FOCUS_COLUMNS[role][0]);
  if (missing.length > 0) {
    throw new CostFileFormatError(`not a FOCUS file: the header has no ${missing.join(', ')} column (required: BilledCost, ChargePeriodStart, ChargePeriodEnd)`);
  }
  const has = (keys: string[]) => keys.some((k) => index.has(k));
  const variant = has(FOCUS_1_2) ? 'focus-1.2+' : has(FOCUS_1_1) ? 'focus-1.1+' : 'focus-1.0';

  // per file: a file repeats its timestamps, tags and provider names on many rows
  const timestamp = memoDates(parseTimestamp);
  const tagsOf = memoTags();
  const providerOf = memoize(providerKey);
  return {
    format: 'focus',
    variant,
    map(fields): MapResult {
      const r = new FieldReader(fields, true);
      const start = r.date(c.start, timestamp, TIMESTAMP, 'no ChargePeriodStart column');
      const end = r.date(c.end, timestamp, TIMESTAMP, 'no ChargePeriodEnd column');
      if (start && end && end < start && c.end) r.problems.push(`${c.end.name}: ${end.toISOString()} is before ChargePeriodStart ${start.toISOString()}`);
      const billedCost = r.requiredDecimal(c.billedCost, 'no BilledCost column');
      const effectiveCost = r.decimal(c.effectiveCost);
      const listCost = r.decimal(c.listCost);
      const consumedQuantity = r.decimal(c.consumedQuantity);
      const currency = r.currency(c.currency, options.assumeCurrency, 'no BillingCurrency column and no currency was supplied');
      const providerName = r.requiredText(c.provider, 'no ProviderName or ServiceProviderName column');
      const tags = r.tags(c.tags, tagsOf);
      if (r.problems.length > 0 || !start || !end || billedCost === null || currency === null || providerName === null) {
        return { ok: false, reason: r.problems.join('; ') };
      }

      const resourceId = r.text(c.resourceId);
      // optional and only a hint (see CostRow): an unreadable one is left out, never a reason to quarantine the line
      const billingPeriodStart = optionalDate(r.text(c.billingPeriodStart), timestamp);
      const billingPeriodEnd = optionalDate(r.text(c.billingPeriodEnd), timestamp);
      return {
        ok: true,
        row: {
          provider: providerOf(providerName),
          billingAccountId: r.text(c.billingAccountId),
          subAccountId: r.text(c.subAccountId),
          subAccountName: r.text(c.subAccountName),
          resourceId,
          resourceName: r.text(c.resourceName),
          resourceGroup: r.text(c.resourceGroup)?.toLowerCase() ?? (resourceId !== null && isArmId(resourceId) ? resourceGroupFromArmId(resourceId) : null),
          resourceType: r.text(c.resourceType),
          serviceName: r.text(c.serviceName),
          serviceCategory: r.text(c.serviceCategory),
          skuId: r.text(c.skuId),
          meter: r.text(c.meter),
          regionId: r.text(c.regionId),
          chargeCategory: r.text(c.chargeCategory),
          chargeClass: r.text(c.chargeClass),
          chargePeriodStart: start,
          chargePeriodEnd: end,
          billedCost,
          effectiveCost,
          listCost,
          currency,
          consumedQuantity,
          consumedUnit: r.text(c.consumedUnit),
          tags,
          ...(billingPeriodStart && billingPeriodEnd && billingPeriodEnd > billingPeriodStart ? { billingPeriodStart, billingPeriodEnd } : {}),
        },
      };
    },
  };
}
