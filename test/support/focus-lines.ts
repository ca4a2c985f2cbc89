/**
 * Small FOCUS files written by hand: one daily usage line of one resource per call, billed in the period given, so
 * that tests can set lines billed in their own period beside the same lines billed in another.
 */
const HEADER = 'BilledCost,EffectiveCost,ChargePeriodStart,ChargePeriodEnd,BillingPeriodStart,BillingPeriodEnd,BillingCurrency,ProviderName,SubAccountId,BillingAccountId,ResourceId,ChargeCategory,ChargeClass';

/** Billing periods, as the two FOCUS columns. */
export const SEP = '2024-09-01T00:00:00Z,2024-10-01T00:00:00Z';
export const OCT = '2024-10-01T00:00:00Z,2024-11-01T00:00:00Z';

const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** A line of `cost` USD for UTC day `day` (YYYY-MM-DD), billed in `period` (two timestamps, comma-separated). */
export const focusLine = (cost: string, day: string, period: string, chargeClass = '') =>
  `${cost},${cost},${day}T00:00:00Z,${nextDay(day)}T00:00:00Z,${period},USD,Microsoft,/subscriptions/11111111-1111-1111-1111-111111111111,ba,/r/a,Usage,${chargeClass}`;

/** The file of `lines`, header first. */
export const focusFile = (...lines: string[]) => `${[HEADER, ...lines].join('\n')}\n`;
