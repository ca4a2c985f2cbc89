/** What an ARM resource id tells us, lower-cased (ARM ids are case-insensitive; Cost Management returns them lower-cased anyway). */
export interface ParsedResourceId {
  subscriptionId: string | null;
  resourceGroup: string | null;
  /** e.g. `microsoft.sql/servers/databases` for a nested resource */
  resourceType: string | null;
  resourceName: string | null;
}

/** Parses `/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/{type}/{name}…]`; unknown shapes yield nulls, never a throw. */
export function parseResourceId(resourceId: string): ParsedResourceId {
  const parts = resourceId.toLowerCase().split('/').filter((p) => p !== '');
  const result: ParsedResourceId = { subscriptionId: null, resourceGroup: null, resourceType: null, resourceName: null };
  const sub = parts.indexOf('subscriptions');
  if (sub >= 0 && parts[sub + 1]) result.subscriptionId = parts[sub + 1];
  const rg = parts.indexOf('resourcegroups');
  if (rg >= 0 && parts[rg + 1]) result.resourceGroup = parts[rg + 1];
  const providers = parts.lastIndexOf('providers');
  if (providers >= 0) {
    const rest = parts.slice(providers + 1); // ns, type, name, type, name, …
    if (rest.length >= 3) {
      const types = [rest[0]];
      for (let i = 1; i < rest.length; i += 2) types.push(rest[i]);
      result.resourceType = types.join('/');
      result.resourceName = rest.length % 2 === 1 ? rest[rest.length - 1] : null;
    }
  }
  return result;
}

/** How Azure's FOCUS exports write a billing account id in front of the id itself (lower-cased here). */
export const BILLING_ACCOUNT_PATH_PREFIX = '/providers/microsoft.billing/billingaccounts/';

/**
 * A billing account id in the one form lines are stored and compared in (services/bill-scope has the SQL
 * twin): the id without the `/providers/Microsoft.Billing/billingAccounts/` a FOCUS export writes before it,
 * lower-cased (ARM ids are case-insensitive), so an export's `/providers/…/billingAccounts/8611537` and a
 * sync's `8611537` are one account.
 */
export function normalizeBillingAccountId(id: string | null): string | null {
  if (id === null) return null;
  // ASCII only, as the SQL twin: billing account ids are
  const lower = id.replace(/[A-Z]+/g, (c) => c.toLowerCase());
  return lower.startsWith(BILLING_ACCOUNT_PATH_PREFIX) ? lower.slice(BILLING_ACCOUNT_PATH_PREFIX.length) : lower;
}

export interface ParsedScope {
  /** `subscriptions/{id}[/resourceGroups/{rg}]`, without leading slash, as the SDK's `{scope}` path needs. */
  path: string;
  subscriptionId: string | null;
  billingAccountId: string | null;
}

// Billing account ids may contain ':' and '_' (MCA: "<guid>:<guid>_2019-05-31"). Anything else,
// '?', '#', '%', spaces, could rewrite the URL: the SDK inserts the scope unencoded (skipEncoding).
const SCOPE_PATH = /^[A-Za-z0-9._:\-]+(\/[A-Za-z0-9._:\-]+)*$/;

export function parseScope(scope: string): ParsedScope {
  const path = scope.trim().replace(/^\/+|\/+$/g, '');
  if (!SCOPE_PATH.test(path) || path.split('/').includes('..')) {
    throw new Error(`Cost Management scope ${JSON.stringify(scope)} is not an ARM scope path (e.g. subscriptions/<id>)`);
  }
  const parts = path.split('/');
  const at = (name: string): string | null => {
    const i = parts.findIndex((p) => p.toLowerCase() === name);
    return i >= 0 && parts[i + 1] ? parts[i + 1] : null;
  };
  return { path, subscriptionId: at('subscriptions'), billingAccountId: at('billingaccounts') };
}
