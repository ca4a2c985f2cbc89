import { IsOptional, Length } from 'class-validator';
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { budgetPeriodEnum, budgetScopeEnum, type BudgetPeriod, type BudgetScope, type ThresholdBasis } from '../db/schema/budgets.js';
import { Money, enumOf } from './common.js';
import { DecimalScalar } from './scalars.js';

export const BudgetScopeKindEnum = enumOf(budgetScopeEnum.enumValues);
registerEnumType(BudgetScopeKindEnum, { name: 'BudgetScopeKind', description: 'What a budget covers: the whole organization, a project, a pipeline (every revision), or a tag/label key=value' });

export const BudgetPeriodEnum = enumOf(budgetPeriodEnum.enumValues);
registerEnumType(BudgetPeriodEnum, { name: 'BudgetPeriod', description: 'Calendar periods in UTC, or CUSTOM with startsAt/endsAt' });

export const ThresholdBasisEnum = { ACTUAL: 'ACTUAL', FORECAST: 'FORECAST' } as const satisfies { [K in ThresholdBasis]: K };
registerEnumType(ThresholdBasisEnum, { name: 'ThresholdBasis', description: 'ACTUAL: billed + committed spend so far; FORECAST: spend forecast for the whole period' });

@ObjectType()
export class BudgetScopeView {
  @Field(() => BudgetScopeKindEnum)
  kind!: BudgetScope;

  @Field(() => String, { nullable: true })
  projectCode!: string | null;

  @Field(() => String, { nullable: true })
  pipeline!: string | null;

  @Field(() => String, { nullable: true })
  tagKey!: string | null;

  @Field(() => String, { nullable: true })
  tagValue!: string | null;
}

@ObjectType()
export class BudgetThresholdView {
  @Field(() => Float, { description: 'Percent of the amount, above 0 and at most 500' })
  percent!: number;

  @Field(() => ThresholdBasisEnum)
  basis!: ThresholdBasis;
}

@ObjectType({ description: 'Spend of a budget in one period: billed (from the bill) and committed (estimates of runs the bill does not cover yet), shown separately' })
export class BudgetSpendView {
  @Field(() => Date)
  periodStart!: Date;

  @Field(() => Date, { description: 'Exclusive' })
  periodEnd!: Date;

  @Field(() => Money)
  billed!: Money;

  @Field(() => Money)
  committed!: Money;

  @Field(() => Money, { description: 'billed + committed' })
  total!: Money;

  @Field(() => DecimalScalar, { description: 'total × 100 / amount' })
  percentUsed!: string;
}

export const ForecastMethodEnum = { SEASONAL_TREND: 'SEASONAL_TREND', SIMPLE_TREND: 'SIMPLE_TREND', RUN_RATE: 'RUN_RATE' } as const;
registerEnumType(ForecastMethodEnum, {
  name: 'ForecastMethod',
  description: 'SEASONAL_TREND: weekly seasonality + linear trend (21+ days of history); SIMPLE_TREND: linear trend (7-20 days); RUN_RATE: average daily spend (less)',
});

@ObjectType({ description: 'How the forecast model did on this scope’s own past: forecasting each of the last weeks from the days before it' })
export class ForecastBacktestView {
  @Field(() => Float, { nullable: true, description: 'Mean absolute percentage error of the weekly totals, as a fraction (0.1 = 10%)' })
  mape!: number | null;

  @Field(() => Float, { nullable: true, description: 'Σforecast / Σactual − 1' })
  bias!: number | null;

  @Field(() => Float, { nullable: true, description: 'Share of weeks whose actual fell inside the 90% interval' })
  coverage!: number | null;

  @Field(() => Int, { description: 'Weeks scored' })
  n!: number;

  @Field(() => Int)
  horizonDays!: number;
}

@ObjectType({ description: 'Spend expected by the end of the period: spend so far + forecast of the days left, with a 90% interval' })
export class BudgetForecastView {
  @Field(() => Money)
  value!: Money;

  @Field(() => Money)
  low!: Money;

  @Field(() => Money)
  high!: Money;

  @Field(() => ForecastMethodEnum, { description: 'Which model answered (the fallbacks say history was short)' })
  method!: string;

  @Field(() => Int, { description: 'Days of daily history the model learned from' })
  historyDays!: number;

  @Field(() => ForecastBacktestView)
  backtest!: ForecastBacktestView;
}

@ObjectType({ description: 'A spending limit over a scope and a period, with alert thresholds.' })
export class Budget {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => BudgetScopeView)
  scope?: BudgetScopeView;

  @Field(() => BudgetPeriodEnum)
  period!: BudgetPeriod;

  @Field(() => Date, { nullable: true, description: 'CUSTOM periods only' })
  startsAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'CUSTOM periods only; exclusive' })
  endsAt!: Date | null;

  @Field(() => Money)
  amount?: Money;

  @Field(() => [BudgetThresholdView])
  thresholds!: BudgetThresholdView[];

  @Field(() => BudgetSpendView, { description: 'Spend in the period containing `at` (default now), up to `at`' })
  spend?: BudgetSpendView;

  @Field(() => BudgetForecastView, { description: 'Forecast for the period containing `at` (default now), from its spend up to `at`' })
  forecast?: BudgetForecastView;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

@InputType()
export class BudgetScopeInput {
  @Field(() => BudgetScopeKindEnum)
  kind!: BudgetScope;

  @Field(() => String, { nullable: true, description: 'PROJECT: the LIMS project code' })
  @IsOptional()
  @Length(1, 128)
  projectCode?: string | null;

  @Field(() => String, { nullable: true, description: 'PIPELINE: the pipeline name, e.g. nf-core/rnaseq (every revision)' })
  @IsOptional()
  @Length(1, 200)
  pipeline?: string | null;

  @Field(() => String, { nullable: true, description: 'TAG: the key of a bill tag / run label' })
  @IsOptional()
  @Length(1, 128)
  tagKey?: string | null;

  @Field(() => String, { nullable: true, description: 'TAG: the value it must have' })
  @IsOptional()
  @Length(0, 256)
  tagValue?: string | null;
}

/*
 * The budget inputs below carry no class-validator decorators, and createBudget/updateBudget take them
 * unvalidated: checkBudgetInput (services/budget-input.ts) checks every field, including the lengths
 * BudgetScopeInput's decorators hold the budgetBreached filter to, and answers every problem at once.
 * Decorators would refuse first, alone, and hide the problems only the service can see (an unknown
 * project, a zero amount).
 */

@InputType()
export class BudgetThresholdInput {
  @Field(() => Float, { description: 'Percent of the amount, above 0 and at most 500 (e.g. 80)' })
  percent!: number;

  @Field(() => ThresholdBasisEnum, { defaultValue: 'ACTUAL' })
  basis!: ThresholdBasis;
}

@InputType()
export class CreateBudgetInput {
  @Field(() => String)
  name!: string;

  @Field(() => BudgetScopeInput)
  scope!: BudgetScopeInput;

  @Field(() => BudgetPeriodEnum)
  period!: BudgetPeriod;

  @Field(() => Date, { nullable: true, description: 'CUSTOM periods only' })
  startsAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'CUSTOM periods only; exclusive' })
  endsAt?: Date | null;

  @Field(() => DecimalScalar, { description: 'Greater than 0' })
  amount!: string;

  @Field(() => String, { nullable: true, description: "ISO 4217; default: the organization's currency" })
  currency?: string | null;

  @Field(() => [BudgetThresholdInput], { defaultValue: [] })
  thresholds!: BudgetThresholdInput[];
}

@InputType({ description: 'Only the fields given change' })
export class UpdateBudgetInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => BudgetScopeInput, { nullable: true })
  scope?: BudgetScopeInput | null;

  @Field(() => BudgetPeriodEnum, { nullable: true })
  period?: BudgetPeriod | null;

  @Field(() => Date, { nullable: true })
  startsAt?: Date | null;

  @Field(() => Date, { nullable: true })
  endsAt?: Date | null;

  @Field(() => DecimalScalar, { nullable: true })
  amount?: string | null;

  @Field(() => String, { nullable: true })
  currency?: string | null;

  @Field(() => [BudgetThresholdInput], { nullable: true })
  thresholds?: BudgetThresholdInput[] | null;
}
