-- A budget breach's dedupe key now names the amount it was raised at (services/budget-evaluation.ts,
-- budgetDedupeKey): `budget:<id>:<basis>:<percent>:<period>:<amount> <currency>`. Alerts raised before
-- keep their meaning under the new form, so that the first evaluation after the upgrade does not raise
-- every threshold already crossed in the current period again. The amount and currency are the ones the
-- alert recorded in its details when it was raised; trim_scale gives the form canonicalDecimal does.
-- Keys of the old form have no space (the new form always has one, before the currency).
UPDATE "alerts"
SET "dedupe_key" = "dedupe_key" || ':' || trim_scale(("details" ->> 'amount')::numeric)::text || ' ' || ("details" ->> 'currency')
WHERE "kind" IN ('BUDGET_ACTUAL', 'BUDGET_FORECAST')
  AND "dedupe_key" LIKE 'budget:%'
  AND "dedupe_key" NOT LIKE '% %'
  AND "details" ->> 'amount' ~ '^[0-9]+(\.[0-9]+)?$'
  AND "details" ->> 'currency' ~ '^[A-Z]{3}$';
