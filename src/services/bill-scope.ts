/**
 * The account a cost line bills, as one comparable text: what a replacing file restates and what a
 * file export takes over from a sync (services/cost-replace, services/file-coverage).
 *
 * Sources write one Azure subscription three ways: a FOCUS export as `/subscriptions/<GUID>`, an EA or
 * MCA export as the bare GUID, the Cost Management API (through resource ids) in lower case; and the
 * billing account beside it differs too (an enrollment number, a billing account path, or none). A
 * subscription id is unique across Azure, so an Azure line with one is known by it alone. Any other
 * line is known by its provider, billing account and sub account exactly as written.
 *
 * SQL text for `unsafe` statements; the arguments are SQL expressions (column names), never values.
 */
import type { CostScope } from './cost-batch.js';

export function billScopeSql(provider: string, billingAccountId: string, subAccountId: string): string {
  const guid = `substring(lower(${subAccountId}) from '^(?:/subscriptions/)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/?$')`;
  return `(case when ${provider} = 'azure' and ${guid} is not null then 'azure/subscriptions/' || ${guid}
               else json_build_array(${provider}, ${billingAccountId}, ${subAccountId})::text end)`;
}

/**
 * A query of the distinct scopes of three text[] parameters (e.g. `$4`): providers, billing accounts, sub
 * accounts. Columns: the triple as written (p, b, s), its key, and the subscription GUID of an Azure key.
 */
export const scopeKeysSql = (providers: string, accounts: string, subAccounts: string): string =>
  `select distinct p, b, s, key, case when key like 'azure/subscriptions/%' then substring(key from 21) end as guid
   from (select p, b, s, ${billScopeSql('p', 'b', 's')} as key from unnest(${providers}::text[], ${accounts}::text[], ${subAccounts}::text[]) u(p, b, s)) k`;

/**
 * SQL predicate: the cost line `alias` bills one of the scopes of `scopes` (a scopeKeysSql query's name). The same
 * as comparing its key, without working the key out for every line (two regular expressions, some 30 µs, where
 * a replacement goes over up to a month of lines): a line matches its triple as written, or, an Azure line, one of
 * the forms the key reads a subscription GUID from.
 */
export const inScopesSql = (alias: string, scopes: string): string =>
  // coalesce: a line without a sub account would otherwise make the second test null, not false (wrong under NOT)
  `coalesce(exists (select 1 from ${scopes} s where s.p = ${alias}.provider and s.b is not distinct from ${alias}.billing_account_id
                                    and s.s is not distinct from ${alias}.sub_account_id)
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
