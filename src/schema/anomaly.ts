import { ArrayMaxSize, IsOptional, Length, Matches, Max, Min } from 'class-validator';
import { ArgsType, Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { anomalyFeedbackEnum, costDimensionEnum, type AnomalyFeedback, type CostDimension } from '../db/schema/anomalies.js';
import type { AlertSeverity } from '../db/schema/alerts.js';
import { AlertSeverityEnum } from './alert.js';
import { Connection, Money, enumOf } from './common.js';


export const AnomalyDimensionEnum = enumOf(costDimensionEnum.enumValues);
registerEnumType(AnomalyDimensionEnum, { name: 'AnomalyDimension', description: 'What an anomaly is about. PROJECT and PIPELINE from reconciled runs; the others from bill lines' });
export const AnomalyFeedbackEnum = enumOf(anomalyFeedbackEnum.enumValues);
registerEnumType(AnomalyFeedbackEnum, { name: 'AnomalyFeedback', description: 'EXPECTED: real but planned; NOT_ANOMALY: the detector was wrong' });

@ObjectType({ description: 'A dimension value that drove an anomaly' })
export class AnomalyContributorView {
  @Field(() => AnomalyDimensionEnum)
  dimension!: CostDimension;

  @Field(() => String, { description: "Tag key for TAG, '' otherwise" })
  key!: string;

  @Field(() => String)
  value!: string;

  @Field(() => Money)
  actual!: Money;

  @Field(() => Money)
  expected!: Money;

  @Field(() => Money)
  impact!: Money;
}

@ObjectType({ description: "One day's cost of one dimension value that stood out from its own recent history" })
export class Anomaly {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'YYYY-MM-DD (UTC)' })
  day!: string;

  @Field(() => AnomalyDimensionEnum)
  dimension!: CostDimension;

  @Field(() => String, { description: "Tag key for TAG, '' otherwise" })
  dimensionKey!: string;

  @Field(() => String)
  dimensionValue!: string;

  @Field(() => Money)
  actual?: Money;

  @Field(() => Money, { description: 'Median of the history window' })
  expected?: Money;

  @Field(() => Money, { description: 'actual − expected' })
  impact?: Money;

  @Field(() => Float, { description: 'Robust z-score: (actual − median) / (1.4826 × MAD)' })
  score!: number;

  @Field(() => AlertSeverityEnum)
  severity!: AlertSeverity;

  @Field(() => Int)
  historyDays!: number;

  @Field(() => [AnomalyContributorView], { description: 'Top contributing values of other dimensions, by impact' })
  contributors?: AnomalyContributorView[];

  @Field(() => AnomalyFeedbackEnum, { nullable: true })
  feedback!: AnomalyFeedback | null;

  @Field(() => String, { nullable: true })
  feedbackNote!: string | null;

  @Field(() => ID, { nullable: true })
  feedbackBy!: string | null;

  @Field(() => Date, { nullable: true })
  feedbackAt!: Date | null;

  @Field(() => ID, { nullable: true, description: 'The ANOMALY alert it raised (none during a cooldown)' })
  alertId!: string | null;
}

@ObjectType()
export class AnomalyConnection extends Connection(Anomaly, 'Anomaly') {}

@ArgsType()
export class AnomaliesArgs {
  @Field(() => String, { nullable: true, description: 'From this day (YYYY-MM-DD), inclusive' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/)
  from?: string | null;

  @Field(() => String, { nullable: true, description: 'To this day, inclusive' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/)
  to?: string | null;

  @Field(() => [AnomalyDimensionEnum], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(6)
  dimensions?: CostDimension[] | null;

  @Field(() => Int, { defaultValue: 50 })
  @Min(1)
  @Max(10_000)
  first!: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  after?: string | null;
}

@ArgsType()
export class AnomalyFeedbackArgs {
  @Field(() => ID)
  id!: string;

  @Field(() => AnomalyFeedbackEnum)
  feedback!: AnomalyFeedback;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 2000)
  note?: string | null;
}
