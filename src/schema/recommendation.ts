import { IsOptional, Max, Min } from 'class-validator';
import { GraphQLJSONObject } from 'graphql-scalars';
import { ArgsType, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { recommendationKindEnum, recommendationStatusEnum, type RecommendationKind, type RecommendationStatus } from '../db/schema/recommendations.js';
import { Connection, Money, enumOf } from './common.js';

export const RecommendationKindEnum = enumOf(recommendationKindEnum.enumValues);
registerEnumType(RecommendationKindEnum, {
  name: 'RecommendationKind',
  valuesConfig: {
    RIGHTSIZE_MEMORY: { description: 'Requested memory well above p95 of peak RSS + headroom' },
    RIGHTSIZE_CPU: { description: 'Requested cpus well above p95 of %cpu + headroom' },
    LOW_PRIORITY: { description: 'Short, retry-safe process on dedicated VMs' },
    FAILED_WORK: { description: 'Money spent on failed or aborted attempts' },
    IDLE_POOL: { description: 'Pool with a high idle share of its bill' },
  },
});
export const RecommendationStatusEnum = enumOf(recommendationStatusEnum.enumValues);
registerEnumType(RecommendationStatusEnum, { name: 'RecommendationStatus', description: 'OPEN until someone ACCEPTs or DISMISSes it; a refresh keeps that decision' });

@ObjectType({ description: 'A saving found in the task history, priced with the price sheet.' })
export class Recommendation {
  @Field(() => ID)
  id!: string;

  @Field(() => RecommendationKindEnum)
  kind!: RecommendationKind;

  @Field(() => String, { nullable: true })
  process!: string | null;

  @Field(() => String)
  title!: string;

  @Field(() => GraphQLJSONObject, { description: 'Evidence and the proposed setting: current and recommended values, percentiles, task counts, the Nextflow config line (`config`)' })
  detail!: Record<string, unknown>;

  @Field(() => Money, { nullable: true, description: "Per 30 days at current prices, to 4 decimal places; null when its tasks could not be priced (no pool / VM size declared). In the organization's currency when GCT_FX_RATES has the rate from the price sheet's, else in the sheet's (`detail.currencyNote` says why); IDLE_POOL: in the bill's" })
  monthlySaving!: Money | null;

  @Field(() => RecommendationStatusEnum)
  status!: RecommendationStatus;

  @Field(() => Date, { nullable: true })
  statusChangedAt!: Date | null;

  @Field(() => Date)
  refreshedAt!: Date;
}

@ObjectType()
export class RecommendationConnection extends Connection(Recommendation, 'Recommendation') {}

@ObjectType()
export class RecommendationRefresh {
  @Field(() => Int, { description: 'Recommendations the refresh found' })
  found!: number;

  @Field(() => Int, { description: 'OPEN ones no longer warranted, removed' })
  removed!: number;
}

@ArgsType()
export class RecommendationsArgs {
  @Field(() => [RecommendationStatusEnum], { nullable: true, description: 'Default: every status' })
  @IsOptional()
  status?: RecommendationStatus[] | null;

  @Field(() => [RecommendationKindEnum], { nullable: true })
  @IsOptional()
  kind?: RecommendationKind[] | null;

  @Field(() => Int, { defaultValue: 50, description: 'Page size, 1 to the server maximum (default 500)' })
  @Min(1)
  @Max(10_000)
  first!: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  after?: string | null;
}
