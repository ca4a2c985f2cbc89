import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { openCostFile, providerKey } from '../../../src/ingest/costs/index.js';
import { collect } from './support/raw-csv.js';

const open = (text: string) => openCostFile(Readable.from([Buffer.from(text)]), { format: 'auto' });

describe('FOCUS header variants', () => {
  it('matches headers case-insensitively, ignoring surrounding spaces and a BOM', async () => {
    const text = '\uFEFF billedcost ,CHARGEPERIODSTART,chargePeriodEnd, BillingCurrency,providername\n0.5,2024-09-01T00:00:00Z,2024-09-02T00:00:00Z,usd,Microsoft\n';
    const opened = await open(text);
    assert.equal(opened.format, 'focus');
    assert.deepEqual(opened.columns, ['billedcost', 'CHARGEPERIODSTART', 'chargePeriodEnd', 'BillingCurrency', 'providername']);
    const { rows } = await collect(opened.rows);
    assert.equal(rows[0].row.billedCost, '0.5');
    assert.equal(rows[0].row.currency, 'USD');
    assert.equal(rows[0].row.provider, 'azure');
  });

  it('FOCUS 1.2 files: ServiceProviderName is the provider, PricingCurrency does not replace BillingCurrency', async () => {
    const header = 'BilledCost,EffectiveCost,ListCost,ChargePeriodStart,ChargePeriodEnd,BillingCurrency,PricingCurrency,ServiceProviderName,HostProviderName,InvoiceId,ResourceId,x_ResourceGroupName,ServiceName';
    const row = '12.5,10,15,2025-01-01T00:00:00Z,2025-01-02T00:00:00Z,EUR,USD,Databricks,Microsoft,INV1,/subscriptions/s/resourceGroups/Genomics-RG/providers/Microsoft.Databricks/workspaces/w,Genomics-RG,Databricks';
    const opened = await open(`${header}\n${row}\n`);
    assert.equal(opened.variant, 'focus-1.2+');
    const { rows } = await collect(opened.rows);
    assert.equal(rows[0].row.provider, 'databricks');
    assert.equal(rows[0].row.currency, 'EUR');
    assert.equal(rows[0].row.resourceGroup, 'genomics-rg');
    assert.deepEqual([rows[0].row.billedCost, rows[0].row.effectiveCost, rows[0].row.listCost], ['12.5', '10', '15']);
  });

  it('falls back to HostProviderName when that is the only provider column', async () => {
    const { rows } = await collect((await open('BilledCost,ChargePeriodStart,ChargePeriodEnd,BillingCurrency,HostProviderName\n1,2025-01-01,2025-01-02,USD,Amazon Web Services\n')).rows);
    assert.equal(rows[0].row.provider, 'aws');
  });

  it('names FOCUS 1.1 files by their new columns', async () => {
    const opened = await open('BilledCost,ChargePeriodStart,ChargePeriodEnd,BillingCurrency,ProviderName,ServiceSubcategory\n');
    assert.equal(opened.variant, 'focus-1.1+');
  });

  it('maps the clouds\' provider names to short keys and lower-cases the rest', () => {
    assert.equal(providerKey('AWS'), 'aws');
    assert.equal(providerKey('Amazon Web Services'), 'aws');
    assert.equal(providerKey('Microsoft'), 'azure');
    assert.equal(providerKey('Google Cloud'), 'gcp');
    assert.equal(providerKey('Oracle'), 'oci');
    assert.equal(providerKey(' Snowflake  Inc '), 'snowflake inc');
  });
});
