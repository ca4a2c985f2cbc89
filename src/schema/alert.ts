import { ArrayMaxSize, IsOptional, Length, Max, Min } from 'class-validator';
import { GraphQLJSONObject } from 'graphql-scalars';
import { ArgsType, Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { alertKindEnum, alertSeverityEnum, alertStateEnum, type AlertKind, type AlertSeverity, type AlertState } from '../db/schema/alerts.js';
import { BudgetScopeView, ThresholdBasisEnum } from './budget.js';
import { Connection, Money, enumOf } from './common.js';
import { DecimalScalar } from './scalars.js';
import type { ThresholdBasis } from '../db/schema/budgets.js';


export const AlertKindEnum = enumOf(alertKindEnum.enumValues);
registerEnumType(AlertKindEnum, { name: 'AlertKind' });
export const AlertSeverityEnum = enumOf(alertSeverityEnum.enumValues);
registerEnumType(AlertSeverityEnum, { name: 'AlertSeverity', description: 'INFO < WARNING < CRITICAL' });
export const AlertStateEnum = enumOf(alertStateEnum.enumValues);
registerEnumType(AlertStateEnum, { name: 'AlertState', description: 'OPEN → ACKNOWLEDGED → RESOLVED (or OPEN → RESOLVED)' });

@ObjectType({ description: 'Something a listener must hear about once: a budget threshold crossed, an anomaly, estimate drift.' })
export class Alert {
  @Field(() => ID)
  id!: string;

  @Field(() => AlertKindEnum)
  kind!: AlertKind;

  @Field(() => AlertSeverityEnum)
  severity!: AlertSeverity;

  @Field(() => AlertStateEnum)
  state!: AlertState;

  @Field(() => String, { description: 'Names the occurrence: the same key is raised once' })
  dedupeKey!: string;

  @Field(() => String)
  title!: string;

  @Field(() => String)
  message!: string;

  @Field(() => GraphQLJSONObject, { description: 'What it is about, e.g. { budgetId } or { runId, pipeline }' })
  subject!: Record<string, unknown>;

  @Field(() => GraphQLJSONObject)
  details!: Record<string, unknown>;

  @Field(() => Date)
  raisedAt!: Date;

  @Field(() => Date, { description: 'Last change: raised, acknowledged, resolved, or its figures restated (an ESTIMATE_DRIFT alert follows later reconciliations)' })
  updatedAt!: Date;

  @Field(() => Date, { nullable: true })
  acknowledgedAt!: Date | null;

  @Field(() => ID, { nullable: true, description: 'The principal (user or API key) that acknowledged it' })
  acknowledgedBy!: string | null;

  @Field(() => Date, { nullable: true })
  resolvedAt!: Date | null;

  @Field(() => ID, { nullable: true })
  resolvedBy!: string | null;

  @Field(() => String, { nullable: true })
  resolution!: string | null;
}

@ObjectType()
export class AlertConnection extends Connection(Alert, 'Alert') {}

@ArgsType()
export class AlertsArgs {
  @Field(() => Date, { nullable: true, description: 'Raised at or after (a listener that reconnects passes the last raisedAt it saw)' })
  @IsOptional()
  since?: Date | null;

  @Field(() => [AlertKindEnum], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(10)
  kinds?: AlertKind[] | null;

  @Field(() => [AlertStateEnum], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(10)
  states?: AlertState[] | null;

  @Field(() => Int, { defaultValue: 50, description: 'Page size, 1 to the server maximum (default 500)' })
  @Min(1)
  @Max(10_000)
  first!: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  after?: string | null;
}

@ArgsType()
export class ResolveAlertArgs {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: 'Why, for the record' })
  @IsOptional()
  @Length(1, 2000)
  resolution?: string | null;
}

@ObjectType({ description: 'A budget threshold crossed: the alert, and the spend that crossed it' })
export class BudgetBreach {
  @Field(() => Alert)
  alert!: Alert;

  @Field(() => ID)
  budgetId!: string;

  @Field(() => String)
  budgetName!: string;

  @Field(() => BudgetScopeView)
  scope!: BudgetScopeView;

  @Field(() => Float)
  percent!: number;

  @Field(() => ThresholdBasisEnum)
  basis!: ThresholdBasis;

  @Field(() => String, { description: 'e.g. 2026-11, 2026-Q4, 2026' })
  period!: string;

  @Field(() => Money)
  amount!: Money;

  @Field(() => Money)
  billed!: Money;

  @Field(() => Money)
  committed!: Money;

  @Field(() => Money)
  total!: Money;

  @Field(() => DecimalScalar)
  percentUsed!: string;

  @Field(() => Money, { nullable: true, description: 'FORECAST thresholds: the forecast that crossed it' })
  forecast!: Money | null;
}
