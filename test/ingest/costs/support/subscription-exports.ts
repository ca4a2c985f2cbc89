/**
 * Cost export files of one Azure subscription, written the ways Azure writes the subscription: a FOCUS
 * export (`/subscriptions/<GUID>`) and an EA cost-details export (the bare GUID). March 2024 billing
 * period; expected totals are exact decimal sums of the costs written.
 */
import { sumDecimals } from '../../../fakes/azure/decimal-sum.js';

const csv = (header: string[], rows: string[][]) => Buffer.from([header, ...rows].map((r) => r.map((f) => `"${f}"`).join(',')).join('\n') + '\n');

/**
 * A FOCUS export of the subscription written the way Azure's FOCUS export writes it (`/subscriptions/<GUID>`, upper
 * case here): four lines from each of `starts`, each charged for a day, billed in `period` (March 2024), one in each
 * of the subscription's four resource groups (a whole subscription's export; one of a single group covers only it).
 */
export function focusExport(
  sub: string,
  starts: Date[],
  costOf: (day: number, line: number) => string,
  opts: { period?: [string, string] } = {},
): { body: Buffer; total: string } {
  const period = opts.period ?? ['2024-03-01 00:00:00', '2024-04-01 00:00:00'];
  const header = ['ProviderName', 'BillingAccountId', 'SubAccountId', 'ResourceId', 'ChargePeriodStart', 'ChargePeriodEnd', 'BillingPeriodStart', 'BillingPeriodEnd', 'BilledCost', 'EffectiveCost', 'BillingCurrency'];
  const rows: string[][] = [];
  starts.forEach((day, d) => {
    for (let line = 0; line < 4; line++) {
      const cost = costOf(d, line);
      rows.push([
        'Microsoft',
        '/providers/Microsoft.Billing/billingAccounts/8611537',
        `/subscriptions/${sub.toUpperCase()}`,
        `/subscriptions/${sub}/resourceGroups/rg-genomics-${line + 1}/providers/Microsoft.Compute/virtualMachines/vm${line}`,
        stamp(day),
        stamp(new Date(day.getTime() + 86_400_000)),
        period[0],
        period[1],
        cost,
        cost,
        'USD',
      ]);
    }
  });
  return { body: csv(header, rows), total: sumDecimals(rows.map((r) => r[8])) };
}

/**
 * An EA cost-details export of the same subscription (the bare GUID, an enrollment number as billing account): a
 * line per cost in `costs` on `day`, in resource groups 1, 2, … of the subscription, and with `purchase`, one charge
 * of the enrollment with no subscription or resource.
 */
export function eaExport(sub: string, day: Date, costs: string[], purchase?: string): { body: Buffer; total: string } {
  const header = ['BillingAccountId', 'BillingPeriodStartDate', 'BillingPeriodEndDate', 'SubscriptionId', 'Date', 'MeterCategory', 'CostInBillingCurrency', 'BillingCurrency', 'ResourceId'];
  const us = `${String(day.getUTCMonth() + 1).padStart(2, '0')}/${String(day.getUTCDate()).padStart(2, '0')}/${day.getUTCFullYear()}`;
  const rows = costs.map((cost, i) => ['8611537', '03/01/2024', '03/31/2024', sub, us, 'Virtual Machines', cost, 'USD', `/subscriptions/${sub}/resourcegroups/rg-genomics-${(i % 4) + 1}/providers/microsoft.compute/virtualmachines/ea${i}`]);
  if (purchase !== undefined) rows.push(['8611537', '03/01/2024', '03/31/2024', '', us, 'Reservations', purchase, 'USD', '']);
  return { body: csv(header, rows), total: sumDecimals(purchase === undefined ? costs : [...costs, purchase]) };
}

const stamp = (d: Date) => d.toISOString().slice(0, 19).replace('T', ' ');
