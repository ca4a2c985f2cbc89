import { ArrayMaxSize, IsObject, IsOptional, Length, Max, Min, ValidateNested } from 'class-validator';
import { GraphQLJSONObject } from 'graphql-scalars';
import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { importStatusEnum } from '../db/schema/imports.js';
import { COST_DIMENSIONS, MAX_GROUP_BY, type CostDimension, type CostFilter } from '../services/costs.js';
import { AnyOf, Connection, Money, enumOf } from './common.js';

export const CostDimensionEnum = enumOf(COST_DIMENSIONS);
registerEnumType(CostDimensionEnum, {
  name: 'CostDimension',
  description: 'What cost groups are keyed by. Days and months are UTC, of the charge period start.',
  valuesConfig: {
    DAY: { description: 'keys.day, YYYY-MM-DD' },
    MONTH: { description: 'keys.month, YYYY-MM' },
    PROVIDER: { description: 'keys.provider: azure, aws, gcp, oci…' },
    SUB_ACCOUNT: { description: 'keys.subAccount: the sub-account (subscription) id' },
    RESOURCE_GROUP: { description: 'keys.resourceGroup (Azure resource groups are lower-case)' },
    RESOURCE: { description: 'keys.resource: the resource id' },
    SERVICE: { description: 'keys.service: the service name' },
    REGION: { description: 'keys.region: the region id' },
    TAG: { description: 'keys.tags: the value of the tag named by tagKey (null when a row lacks it)' },
  },
});

type ImportStatus = (typeof importStatusEnum.enumValues)[number];
export const CostImportStatusEnum = enumOf(importStatusEnum.enumValues);
registerEnumType(CostImportStatusEnum, { name: 'CostImportStatus', description: 'RUNNING, then SUCCEEDED (everything loaded) or FAILED (nothing loaded)' });

@InputType({ description: 'One grouping dimension. TAG takes the tag key; no other dimension does.' })
export class CostGroupByInput {
  @Field(() => CostDimensionEnum)
  dimension!: CostDimension;

  @Field(() => String, { nullable: true, description: 'Required with TAG, e.g. "project"' })
  @IsOptional()
  @Length(1, 256)
  tagKey?: string | null;
}

@InputType()
export class CostFilterInput implements CostFilter {
  @Field(() => Date, { nullable: true, description: 'Charge periods starting at or after' })
  @IsOptional()
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Charge periods starting before (half-open)' })
  @IsOptional()
  to?: Date | null;

  @AnyOf('Any of these providers: azure, aws, gcp, oci (FOCUS names such as Microsoft also match)')
  provider?: string[] | null;

  @AnyOf('Any of these sub-accounts (subscriptions), by id or by name')
  subAccount?: string[] | null;

  @AnyOf('Any of these resource groups (case-insensitive)')
  resourceGroup?: string[] | null;

  @AnyOf('Any of these service names, e.g. "Virtual Machines"')
  service?: string[] | null;

  @AnyOf('Any of these region ids, e.g. westeurope')
  region?: string[] | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Every given tag must match exactly, e.g. {"project": "P-001"}' })
  @IsOptional()
  @IsObject()
  tags?: Record<string, unknown> | null;
}

@ArgsType()
export class CostsArgs {
  @Field(() => CostFilterInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  filter?: CostFilterInput | null;

  @Field(() => [CostGroupByInput], { defaultValue: [], description: `Up to ${MAX_GROUP_BY} dimensions; none gives one group per currency` })
  @ArrayMaxSize(MAX_GROUP_BY)
  @ValidateNested({ each: true })
  groupBy!: CostGroupByInput[];

  @Field(() => Int, { defaultValue: 100, description: 'Page size, 1 to the server maximum (default 500)' })
  @Min(1)
  @Max(10_000)
  first!: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  after?: string | null;
}

@ObjectType()
export class CostTagValue {
  @Field(() => String)
  key!: string;

  @Field(() => String, { nullable: true })
  value!: string | null;
}

@ObjectType({ description: 'The key of a group: the fields of the dimensions grouped by; the others are null.' })
export class CostGroupKeys {
  @Field(() => String, { nullable: true, description: 'UTC day, YYYY-MM-DD' })
  day!: string | null;

  @Field(() => String, { nullable: true, description: 'UTC month, YYYY-MM' })
  month!: string | null;

  @Field(() => String, { nullable: true })
  provider!: string | null;

  @Field(() => String, { nullable: true })
  subAccount!: string | null;

  @Field(() => String, { nullable: true })
  resourceGroup!: string | null;

  @Field(() => String, { nullable: true })
  resource!: string | null;

  @Field(() => String, { nullable: true })
  service!: string | null;

  @Field(() => String, { nullable: true })
  region!: string | null;

  @Field(() => [CostTagValue], { nullable: true, description: 'One per TAG grouping, in the order asked' })
  tags!: CostTagValue[] | null;
}

@ObjectType({ description: 'Billed cost of the rows sharing one key, in one currency.' })
export class CostGroup {
  @Field(() => CostGroupKeys)
  keys!: CostGroupKeys;

  @Field(() => Money, { description: 'Summed in Postgres numeric; a key with costs in two currencies is two groups' })
  amount!: Money;

  @Field(() => Int, { description: 'Cost records in the group' })
  rows!: number;
}

@ObjectType({ description: 'Billed cost in one currency.' })
export class CostTotal {
  @Field(() => Money)
  amount!: Money;

  @Field(() => Int, { description: 'Cost records counted' })
  rows!: number;
}

@ObjectType({
  description:
    "What a replacing import removed: earlier file imports' lines of the file's sub accounts on its days (rows, totals; including the ones it stored again), and the Azure sync lines of those days it took over (syncedRows, syncedTotals)",
})
export class CostImportReplaced {
  @Field(() => Int)
  rows!: number;

  @Field(() => [CostTotal], { description: 'Their billed cost per currency (the bill changed by the report totals minus these and syncedTotals)' })
  totals!: CostTotal[];

  @Field(() => Int, { description: "Lines of Azure syncs the file took over: its subscriptions' synced lines on the days it restated (not counted in rows)" })
  syncedRows!: number;

  @Field(() => [CostTotal], { description: 'Their billed cost per currency' })
  syncedTotals!: CostTotal[];

  @Field(() => Date, { nullable: true, description: 'First UTC day replaced' })
  from!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Day after the last one replaced (half-open)' })
  to!: Date | null;
}

@ObjectType()
export class CostGroupConnection extends Connection(CostGroup, 'CostGroup') {
  @Field(() => [CostTotal], { description: 'Per currency, over everything the filter matches (not only this page)' })
  totals!: CostTotal[];

  /** What `totals` is computed over; not part of the API. */
  filter!: CostFilter;
}

@ObjectType({ description: 'What a successful import did.' })
export class CostImportReport {
  @Field(() => String, { description: 'azure or focus' })
  format!: string;

  @Field(() => String, { description: 'The header dialect, e.g. ea, mca, focus-1.0' })
  variant!: string;

  @Field(() => Int, { description: 'Data records in the file (loaded, unchanged and quarantined)' })
  rowsRead!: number;

  @Field(() => Int, { description: 'Cost records stored by this import (a replacing import also stores again the lines it replaced with themselves)' })
  rowsLoaded!: number;

  @Field(() => Int, { description: 'Rows already stored by an earlier import (of the same delivery, for a replacing import)' })
  rowsUnchanged!: number;

  @Field(() => Int, { description: 'Rows that could not be read; see rejects' })
  rowsQuarantined!: number;

  @Field(() => [CostTotal], { description: "Billed cost per currency over the file's rows (new and unchanged)" })
  totals!: CostTotal[];

  @Field(() => Date, { nullable: true, description: 'Earliest charge period start' })
  periodStart!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Latest charge period end' })
  periodEnd!: Date | null;

  @Field(() => CostImportReplaced, { nullable: true, description: 'What a replacing import replaced; null for one that adds' })
  replaced!: CostImportReplaced | null;

  @Field(() => String, {
    nullable: true,
    description:
      'actual or amortized: what the cost column of an Azure export holds, when its reservation or savings plan lines show it (a purchase with its cost; covered usage with cost, or unused commitment lines); null when the file does not show it',
  })
  costBasis!: string | null;

  @Field(() => [CostImportWarning], { description: 'Why the lines may count wrongly beside what is stored (a part of a multi-part export added, lines equal to stored ones, actual and amortized exports of the same days)' })
  warnings!: CostImportWarning[];
}

@ObjectType({ description: 'A warning of a cost import: every row was read, but the lines may count wrongly beside what is stored.' })
export class CostImportWarning {
  @Field(() => String, { description: 'PART_ADDED, ADDED_BESIDE_STORED, COST_BASIS_MIXED or LEGACY_HASH_AMBIGUOUS' })
  code!: string;

  @Field(() => String)
  message!: string;
}

@ObjectType({ description: 'A row of a cost file that could not be used, kept with its line and the reason.' })
export class CostImportReject {
  @Field(() => Int, { description: '1-based line in the file (the header is line 1)' })
  line!: number;

  @Field(() => String)
  raw!: string;

  @Field(() => String)
  reason!: string;
}

@ObjectType()
export class CostImportRejectConnection extends Connection(CostImportReject, 'CostImportReject') {}

@ObjectType({ description: 'One cost file import (CLI or HTTP upload).' })
export class CostImport {
  @Field(() => ID)
  id!: string;

  @Field(() => CostImportStatusEnum)
  status!: ImportStatus;

  @Field(() => String, { nullable: true })
  fileName!: string | null;

  @Field(() => String, { nullable: true, description: 'format/variant, e.g. azure/ea; null until the header is read' })
  format!: string | null;

  @Field(() => String, { nullable: true, description: 'Why it FAILED' })
  error!: string | null;

  @Field(() => Boolean, { description: "Whether the file replaced earlier imports' lines of its sub accounts and days" })
  replace!: boolean;

  @Field(() => String, { nullable: true, description: 'The export run a replacing file was part of' })
  delivery!: string | null;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => CostImportReport, { nullable: true, description: 'null unless SUCCEEDED' })
  report?: CostImportReport | null;

  @Field(() => CostImportRejectConnection, { description: 'Quarantined rows, by line' })
  rejects?: CostImportRejectConnection;
}

@ObjectType()
export class CostImportConnection extends Connection(CostImport, 'CostImport') {}

@ArgsType()
export class CostPageArgs {
  @Field(() => Int, { defaultValue: 50, description: 'Page size, 1 to the server maximum (default 500)' })
  @Min(1)
  @Max(10_000)
  first!: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  after?: string | null;
}
