import { isArmId, resourceGroupFromArmId, resourceNameFromArmId, resourceTypeFromArmId } from './arm-id.js';
import { addUtcDays, parseAzureDay } from './dates.js';
import { CostFileFormatError } from './errors.js';
import { FieldReader } from './field-reader.js';
import { ColumnIndex, type HeaderColumn } from './header.js';
import { memoDates, memoTags, optionalDate } from './memo.js';
import type { CostBasis, MapperOptions, MapResult, RecordMapper } from './mapper.js';

/**
 * Column aliases across Azure cost-details / usage export dialects, best first: EA and MCA cost
 * details (`Date`, `CostInBillingCurrency` / `Cost`, `BillingCurrency[Code]`), MCA partner
 * camelCase (`date`, `costInBillingCurrency`, `billingCurrency`), the legacy pay-as-you-go usage
 * export (`UsageDateTime`, `PreTaxCost`, `Currency`, `InstanceId`), and German-localized headers
 * (`Abonnement-GUID (SubscriptionGuid)`), which are matched by the English name in parentheses.
 */
export const AZURE_COLUMNS = {
  date: ['date', 'usagedatetime', 'usagedate'],
  cost: ['costinbillingcurrency', 'cost', 'pretaxcost'],
  currency: ['billingcurrency', 'billingcurrencycode', 'currency'],
  listCost: ['paygcostinbillingcurrency'],
  resourceId: ['resourceid', 'instanceid', 'instancename'],
  resourceName: ['resourcename'],
  resourceGroup: ['resourcegroup', 'resourcegroupname'],
  resourceType: ['resourcetype'],
  billingAccountId: ['billingaccountid'],
  subscriptionId: ['subscriptionid', 'subscriptionguid'],
  subscriptionName: ['subscriptionname'],
  meterCategory: ['metercategory'],
  serviceName: ['servicename'],
  serviceFamily: ['servicefamily'],
  meterName: ['metername'],
  skuId: ['productid', 'partnumber', 'meterid'],
  region: ['resourcelocation', 'location'],
  chargeType: ['chargetype'],
  /** OnDemand, Reservation, SavingsPlan, Spot: what pays for the line. */
  pricingModel: ['pricingmodel'],
  /** The reservation (or, newer, the benefit) a line is of: read only when there is no PricingModel column. */
  commitmentId: ['reservationid', 'benefitid'],
  quantity: ['quantity', 'usagequantity'],
  unit: ['unitofmeasure'],
  tags: ['tags'],
  /** The first and the last day of the billing period (inclusive). */
  billingPeriodStart: ['billingperiodstartdate'],
  billingPeriodEnd: ['billingperiodenddate'],
} as const satisfies Record<string, readonly string[]>;

/** Columns only Azure exports have; `Date` + `Cost` alone could be anyone's spreadsheet. */
const AZURE_MARKERS = ['metercategory', 'meterid', 'metername', 'subscriptionid', 'subscriptionguid', 'consumedservice', 'instanceid', 'resourceid'];

export function looksLikeAzure(index: ColumnIndex): boolean {
  const has = (aliases: readonly string[]) => aliases.some((a) => index.has(a));
  return has(AZURE_COLUMNS.date) && has(AZURE_COLUMNS.cost) && has(AZURE_MARKERS);
}

/** Azure ChargeType -> FOCUS ChargeCategory, as Microsoft's own FOCUS conversion maps it. */
const CHARGE_CATEGORY: Record<string, string> = {
  usage: 'Usage',
  unusedreservation: 'Usage',
  unusedsavingsplan: 'Usage',
  purchase: 'Purchase',
  refund: 'Purchase',
  tax: 'Tax',
  roundingadjustment: 'Adjustment',
  credit: 'Credit',
};

const DATE_FORMATS = 'MM/DD/YYYY, YYYY-MM-DD, an ISO date-time or YYYYMMDD';

export function createAzureMapper(index: ColumnIndex, options: MapperOptions): RecordMapper {
  const c = Object.fromEntries(Object.entries(AZURE_COLUMNS).map(([role, aliases]) => [role, index.find(...aliases)])) as {
    [K in keyof typeof AZURE_COLUMNS]: HeaderColumn | undefined;
  };
  if (!c.date || !c.cost) {
    throw new CostFileFormatError(
      `not an Azure cost export: the header needs a date column (Date, UsageDateTime, UsageDate) and a cost column (CostInBillingCurrency, Cost, PreTaxCost)`,
    );
  }
  const localized = index.columns.some((col) => col.localized);
  const variant = azureVariant(c.cost, localized);
  const noCurrencyColumn = `no currency column (BillingCurrency, BillingCurrencyCode or Currency) in this ${variant} export and no currency was supplied`;

  // per file: a file repeats its dates and tags on many rows
  const azureDay = memoDates(parseAzureDay);
  const tagsOf = memoTags();
  return {
    format: 'azure',
    variant,
    map(fields): MapResult {
      const r = new FieldReader(fields, false);
      const day = r.date(c.date, azureDay, DATE_FORMATS, 'no date column');
      // German-localized exports may write decimal commas; English ones never do, so a comma there is an error
      const billedCost = r.requiredDecimal(c.cost, 'no cost column', localized);
      const currency = r.currency(c.currency, options.assumeCurrency, noCurrencyColumn);
      const listCost = r.decimal(c.listCost, localized);
      const consumedQuantity = r.decimal(c.quantity, localized);
      const tags = r.tags(c.tags, tagsOf);
      if (r.problems.length > 0 || !day || billedCost === null || currency === null) {
        return { ok: false, reason: r.problems.join('; ') };
      }

      const resourceId = r.text(c.resourceId);
      const arm = resourceId !== null && isArmId(resourceId) ? resourceId : null;
      const chargeType = r.text(c.chargeType);
      // optional and only a hint (see CostRow): an unreadable one is left out, never a reason to quarantine the line
      const billingPeriodStart = optionalDate(r.text(c.billingPeriodStart), azureDay);
      const lastBillingDay = optionalDate(r.text(c.billingPeriodEnd), azureDay);
      const billingPeriodEnd = lastBillingDay && addUtcDays(lastBillingDay, 1);
      const pricingModel = r.text(c.pricingModel);
      const commitment = pricingModel !== null ? COMMITMENT_MODELS.has(pricingModel.toLowerCase()) : c.pricingModel === undefined && r.text(c.commitmentId) !== null;
      return {
        ok: true,
        basis: costBasisOf(chargeType, commitment, billedCost),
        row: {
          provider: 'azure',
          billingAccountId: r.text(c.billingAccountId),
          subAccountId: r.text(c.subscriptionId),
          subAccountName: r.text(c.subscriptionName),
          resourceId,
          resourceName: r.text(c.resourceName) ?? (arm && resourceNameFromArmId(arm)),
          resourceGroup: r.text(c.resourceGroup)?.toLowerCase() ?? (arm && resourceGroupFromArmId(arm)),
          resourceType: r.text(c.resourceType) ?? (arm && resourceTypeFromArmId(arm)),
          // Azure cost analysis calls MeterCategory the service name; older exports also have ServiceName
          serviceName: r.text(c.meterCategory) ?? r.text(c.serviceName),
          serviceCategory: r.text(c.serviceFamily),
          skuId: r.text(c.skuId),
          meter: r.text(c.meterName),
          regionId: r.text(c.region)?.toLowerCase() ?? null,
          chargeCategory: chargeType === null ? null : (CHARGE_CATEGORY[chargeType.toLowerCase()] ?? chargeType),
          chargePeriodStart: day,
          chargePeriodEnd: addUtcDays(day, 1),
          billedCost,
          // the file does not say whether Cost is actual or amortized cost (basis: only reservation lines show it),
          // so neither figure is known to be the effective cost
          effectiveCost: null,
          listCost,
          currency,
          consumedQuantity,
          consumedUnit: r.text(c.unit),
          tags,
          ...(billingPeriodStart && billingPeriodEnd && billingPeriodEnd > billingPeriodStart ? { billingPeriodStart, billingPeriodEnd } : {}),
        },
      };
    },
  };
}

const COMMITMENT_MODELS = new Set(['reservation', 'savingsplan']);

/**
 * What a line shows of its export's cost basis (CostBasis). Only amortized data has lines of a commitment's
 * unused part, and spreads a purchase onto the usage it covers (such usage costs nothing in actual data);
 * only actual data bills the purchase itself (amortized data shows it at no cost). A line at no cost shows
 * nothing: tiny amortized amounts round to zero too.
 */
function costBasisOf(chargeType: string | null, commitment: boolean, billedCost: string): CostBasis | undefined {
  const type = chargeType?.toLowerCase();
  if (type === 'unusedreservation' || type === 'unusedsavingsplan') return 'amortized';
  if (!commitment || !/[1-9]/.test(billedCost)) return undefined;
  if (type === 'purchase' || type === 'refund') return 'actual';
  if (type === 'usage') return 'amortized';
  return undefined;
}

/**
 * Named after the cost column, which is what tells the dialects apart: `payg` (legacy usage
 * export, PreTaxCost), `ea` (EA cost details, Cost or CostInBillingCurrency), `mca` (camelCase
 * costInBillingCurrency), `cost-details` (all lower-case); `-de` when headers are German-localized.
 */
function azureVariant(cost: HeaderColumn, localized: boolean): string {
  let base: string;
  if (cost.key === 'pretaxcost') base = 'payg';
  else if (cost.key === 'cost') base = 'ea';
  else if (cost.english.startsWith('C')) base = 'ea';
  else if (cost.english === cost.key) base = 'cost-details';
  else base = 'mca';
  return localized ? `${base}-de` : base;
}
