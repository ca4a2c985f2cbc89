import { IsOptional, Length, Max, Min } from 'class-validator';
import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { connectionAuthEnum, syncStatusEnum } from '../db/schema/connections.js';
import type { AzureCostType, ConnectionAuth, SyncStatus } from '../services/cost-connections.js';
import { Connection, enumOf } from './common.js';

export const CostConnectionAuthEnum = enumOf(connectionAuthEnum.enumValues);
registerEnumType(CostConnectionAuthEnum, {
  name: 'CostConnectionAuth',
  description: 'CLIENT_SECRET: an Entra app registration and its secret; MANAGED_IDENTITY: the identity of the machine the worker runs on',
});

export const CostSyncStatusEnum = enumOf(syncStatusEnum.enumValues);
registerEnumType(CostSyncStatusEnum, { name: 'CostSyncStatus', description: 'QUEUED, then RUNNING, then SUCCEEDED or FAILED' });

/** GraphQL names in upper case, Azure's names as values. */
export const AzureCostTypeEnum = { ACTUAL_COST: 'ActualCost', AMORTIZED_COST: 'AmortizedCost' } as const satisfies Record<string, AzureCostType>;
registerEnumType(AzureCostTypeEnum, { name: 'AzureCostType', description: 'ACTUAL_COST as billed; AMORTIZED_COST spreads reservation and savings-plan purchases over their term' });

export const CostGroupingTypeEnum = { DIMENSION: 'Dimension', TAG_KEY: 'TagKey' } as const;
registerEnumType(CostGroupingTypeEnum, { name: 'CostGroupingType' });

@ObjectType({ description: 'The second grouping of a Cost Management query, besides ResourceId.' })
export class CostGrouping {
  @Field(() => CostGroupingTypeEnum)
  type!: 'Dimension' | 'TagKey';

  @Field(() => String, { description: 'A dimension (ServiceName, ResourceLocation, Meter, …) or a tag key' })
  name!: string;
}

@ObjectType({ description: 'An Azure Cost Management connection. Its client secret is write-only: no field returns it.' })
export class CostConnection {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'e.g. azure' })
  provider!: string;

  @Field(() => String, { description: '/subscriptions/…, /subscriptions/…/resourceGroups/… or /providers/Microsoft.Billing/billingAccounts/…' })
  scope!: string;

  @Field(() => CostConnectionAuthEnum)
  auth!: ConnectionAuth;

  @Field(() => String, { nullable: true })
  tenantId!: string | null;

  @Field(() => String, { nullable: true })
  clientId!: string | null;

  @Field(() => Int, { description: 'Days re-pulled (and replaced) by each scheduled sync: Azure revises costs for about 72 hours' })
  windowDays!: number;

  @Field(() => CostGrouping, { nullable: true })
  groupBy!: CostGrouping | null;

  @Field(() => AzureCostTypeEnum)
  costType!: AzureCostType;

  @Field(() => CostSyncStatusEnum, { nullable: true, description: 'Outcome of the last finished sync; null before the first' })
  lastStatus!: SyncStatus | null;

  @Field(() => Date, { nullable: true })
  lastSyncAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Why the last sync failed; null after a success' })
  lastError!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType({ description: 'One sync of a connection: the window it replaced and what it found.' })
export class CostSync {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  connectionId!: string;

  @Field(() => String, { nullable: true, description: 'The pg-boss job that runs it' })
  jobId!: string | null;

  @Field(() => Date, { description: 'First day replaced (UTC midnight, inclusive)' })
  windowStart!: Date;

  @Field(() => Date, { description: 'End of the window (UTC midnight, exclusive)' })
  windowEnd!: Date;

  @Field(() => CostSyncStatusEnum)
  status!: SyncStatus;

  @Field(() => Int, { description: 'Cost rows the window holds after the sync' })
  rows!: number;

  /** The stored `{ currency: amount }`; the field resolver turns it into Money. */
  totals!: Record<string, string>;

  @Field(() => Int, { description: 'Fetched rows removed again: their days belong to replacing file imports of the same subscriptions (not in rows)' })
  rowsSuperseded!: number;

  /** The stored `{ currency: amount }` of those rows; the field resolver turns it into Money. */
  totalsSuperseded!: Record<string, string>;

  @Field(() => Int, { description: 'HTTP requests sent to Cost Management, throttled and retried ones included' })
  requests!: number;

  @Field(() => Int, { nullable: true })
  durationMs!: number | null;

  @Field(() => String, { nullable: true, description: 'Why it failed' })
  error!: string | null;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType()
export class CostSyncConnection extends Connection(CostSync, 'CostSync') {}

@ObjectType()
export class CostSyncRequest {
  @Field(() => ID)
  syncId!: string;

  @Field(() => String)
  jobId!: string;

  @Field(() => CostSync, { description: 'The QUEUED sync; poll costSyncs for its outcome' })
  sync!: CostSync;
}

@InputType()
export class CostGroupingInput {
  @Field(() => CostGroupingTypeEnum)
  type!: 'Dimension' | 'TagKey';

  @Field(() => String)
  @Length(1, 512)
  name!: string;
}

@InputType({ description: 'The client secret is not in here but a separate argument of createCostConnection.' })
export class CreateCostConnectionInput {
  @Field(() => String)
  @Length(1, 200)
  name!: string;

  @Field(() => String, { description: '/subscriptions/<id>, /subscriptions/<id>/resourceGroups/<name> or /providers/Microsoft.Billing/billingAccounts/<id>' })
  @Length(1, 300)
  scope!: string;

  @Field(() => CostConnectionAuthEnum, { defaultValue: 'CLIENT_SECRET' })
  auth!: ConnectionAuth;

  @Field(() => String, { nullable: true, description: 'Directory (tenant) id; required with CLIENT_SECRET' })
  @IsOptional()
  @Length(1, 253)
  tenantId?: string | null;

  @Field(() => String, { nullable: true, description: 'Application (client) id; with MANAGED_IDENTITY, a user-assigned identity (omit for system-assigned)' })
  @IsOptional()
  @Length(1, 64)
  clientId?: string | null;

  @Field(() => Int, { nullable: true, description: 'Days each scheduled sync re-pulls, 1-31 (default 5)' })
  @IsOptional()
  @Min(1)
  @Max(31)
  windowDays?: number | null;

  @Field(() => CostGroupingInput, { nullable: true })
  @IsOptional()
  groupBy?: CostGroupingInput | null;

  @Field(() => AzureCostTypeEnum, { nullable: true, description: 'Default ACTUAL_COST' })
  @IsOptional()
  costType?: AzureCostType | null;
}

@ArgsType()
export class CostSyncsArgs {
  @Field(() => ID)
  connectionId!: string;

  @Field(() => Int, { defaultValue: 20, description: 'Page size, 1 to the server maximum (default 500)' })
  @Min(1)
  @Max(10_000)
  first!: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  after?: string | null;
}
