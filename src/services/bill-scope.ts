/**
 * The account a cost line bills, as one comparable text: what a replacing file restates and what a
 * file export takes over from a sync (services/cost-replace, services/file-coverage).
 *
 * Sources write one Azure subscription three ways: a FOCUS export as `/subscriptions/<GUID>`, an EA or
 * MCA export as the bare GUID, the Cost Management API (through resource ids) in lower case; and the
 * billing account beside it differs too (an enrollment number, a billing account path, or none). A
 * subscription id is unique across Azure, so an Azure line with one is known by it alone. Any other
 * line is known by its provider, billing account and sub account as written, except that an Azure
 * billing account is compared in one form (azureBillingAccountSql): a FOCUS export writes
 * `/providers/Microsoft.Billing/billingAccounts/8611537` where a sync and an EA export write `8611537`.
 * Lines keep what their source wrote; the form is worked out where they are compared, so lines stored
 * before are compared the same way.
 *
 * SQL text for `unsafe` statements; the arguments are SQL expressions (column names), never values.
 */
import { BILLING_ACCOUNT_PATH_PREFIX } from '../ingest/azure/azure-ids.js';
import type { CostScope } from './cost-batch.js';

/** The SQL twin of normalizeBillingAccountId (ingest/azure/azure-ids), for the lines of `provider` 'azure'. */
export function azureBillingAccountSql(provider: string, billingAccountId: string): string {
  // it may run for every line a replacement goes over: like and substr rather than a regular expression, and the "C"
  // collation's lower (ASCII, as the ids are), two to three times cheaper than the database's
  const lower = `lower(${billingAccountId} collate "C")`;
  return `(case when ${provider} = 'azure' then (case when ${lower} like '${BILLING_ACCOUNT_PATH_PREFIX}%'
                                                     then substr(${lower}, ${BILLING_ACCOUNT_PATH_PREFIX.length + 1}) else ${lower} end)
                else ${billingAccountId} end)`;
}

export function billScopeSql(provider: string, billingAccountId: string, subAccountId: string): string {
  const guid = `substring(lower(${subAccountId}) from '^(?:/subscriptions/)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/?$')`;
  return `(case when ${provider} = 'azure' and ${guid} is not null then 'azure/subscriptions/' || ${guid}
               else json_build_array(${provider}, ${azureBillingAccountSql(provider, billingAccountId)}, ${subAccountId})::text end)`;
}

/**
 * A query of the distinct scopes of three text[] parameters (e.g. `$4`): providers, billing accounts, sub
 * accounts. Columns: the triple as written (p, b, s), its key, the subscription GUID of an Azure key, and
 * the billing account in the form lines are compared in (nb).
 */
export const scopeKeysSql = (providers: string, accounts: string, subAccounts: string): string =>
  `select distinct p, b, s, key, case when key like 'azure/subscriptions/%' then substring(key from 21) end as guid, nb
   from (select p, b, s, ${billScopeSql('p', 'b', 's')} as key, ${azureBillingAccountSql('p', 'b')} as nb
         from unnest(${providers}::text[], ${accounts}::text[], ${subAccounts}::text[]) u(p, b, s)) k`;

/**
 * SQL predicate: the cost line `alias` bills one of the scopes of `scopes` (a scopeKeysSql query's name). The same
 * as comparing its key, without working the key out for every line (two regular expressions, some 30 µs, where
 * a replacement goes over up to a month of lines): a line matches its triple (its billing account in the compared
 * form), or, an Azure line, one of the forms the key reads a subscription GUID from.
 */
export const inScopesSql = (alias: string, scopes: string): string =>
  // coalesce: a line without a sub account would otherwise make the second test null, not false (wrong under NOT)
  // the billing account as written first: most lines name it as their file's scope does, and skip the compared form
  `coalesce(exists (select 1 from ${scopes} s where s.p = ${alias}.provider and s.s is not distinct from ${alias}.sub_account_id
                                    and (s.b is not distinct from ${alias}.billing_account_id
                                         or s.nb is not distinct from ${azureBillingAccountSql(`${alias}.provider`, `${alias}.billing_account_id`)}))
    or (${alias}.provider = 'azure' and lower(${alias}.sub_account_id) in (
          select f.form from ${scopes} s
          cross join lateral (values (s.guid), ('/subscriptions/' || s.guid), (s.guid || '/'), ('/subscriptions/' || s.guid || '/')) f(form)
          where s.guid is not null)), false)`;

/** The three parameters scopeKeysSql reads, from scopes. */
export const scopeArrays = (scopes: CostScope[]): [string[], (string | null)[], (string | null)[]] => [
  scopes.map((s) => s[0]),
  scopes.map((s) => s[1]),
  scopes.map((s) => s[2]),
];
