import { IsOptional, Length, Max, Min } from 'class-validator';
import { ArgsType, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { reconciliationStatusEnum, type ReconciliationStatus } from '../db/schema/allocations.js';
import { estimateKindEnum } from '../db/schema/estimates.js';
import type { IdleMode } from '../config.js';
import { Connection, Money, enumOf } from './common.js';
import { EstimateKindEnum } from './estimate.js';
import { Pipeline } from './run.js';
import { DecimalScalar } from './scalars.js';

export const ReconciliationStatusEnum = enumOf(reconciliationStatusEnum.enumValues);
registerEnumType(ReconciliationStatusEnum, { name: 'ReconciliationStatus', description: 'RUNNING, then SUCCEEDED or FAILED' });

export const IdleModeEnum = { SHARE: 'SHARE', SEPARATE: 'SEPARATE' } as const satisfies { [K in IdleMode]: K };
registerEnumType(IdleModeEnum, {
  name: 'IdleMode',
  description: "SHARE: a pool's idle goes to the runs that used it in that charge period; SEPARATE: it stays with the pool (GCT_RECONCILE_IDLE)",
});

type EstimateKind = (typeof estimateKindEnum.enumValues)[number];

@ObjectType({ description: 'Bill amounts of one reconciliation in one currency: cost = tasks + idle + unallocated, exactly.' })
export class ReconciliationTotal {
  @Field(() => String)
  currency!: string;

  @Field(() => Money, { description: 'Every line of the window' })
  cost!: Money;

  @Field(() => Money, { description: 'Allocated to tasks' })
  tasks!: Money;

  @Field(() => Money, { description: "Pool time no task used (shared with runs or not, per the record's idleMode)" })
  idle!: Money;

  @Field(() => Money, { description: 'Lines tied to no declared pool' })
  unallocated!: Money;
}

@ObjectType({ description: 'One reconciliation of a window of the bill: its lines split to tasks, idle and unallocated.' })
export class Reconciliation {
  @Field(() => ID)
  id!: string;

  @Field(() => Date, { description: 'Charge periods starting in [windowStart, windowEnd)' })
  windowStart!: Date;

  @Field(() => Date)
  windowEnd!: Date;

  @Field(() => ReconciliationStatusEnum)
  status!: ReconciliationStatus;

  @Field(() => IdleModeEnum)
  idleMode!: IdleMode;

  @Field(() => String, { description: 'import, sync or request (reconcileCosts)' })
  trigger!: string;

  @Field(() => String, { nullable: true, description: 'The costs.reconcile job that ran it (what reconcileCosts returned)' })
  jobId!: string | null;

  @Field(() => Int)
  lines!: number;

  @Field(() => Int, { description: "Lines of a declared pool's resource" })
  poolLines!: number;

  @Field(() => Int)
  unallocatedLines!: number;

  @Field(() => Int, { description: 'Task × line allocations' })
  taskAllocations!: number;

  @Field(() => Int, { description: 'Runs whose actual cost was recomputed' })
  runsUpdated!: number;

  @Field(() => Int, { description: "Runs with allocations in a currency other than the run's: their actual cost is left unset (amounts are never converted)" })
  currencyMismatchRuns!: number;

  @Field(() => Int)
  estimateErrors!: number;

  @Field(() => Int)
  driftAlerts!: number;

  @Field(() => [ReconciliationTotal])
  totals!: ReconciliationTotal[];

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => Int, { nullable: true })
  durationMs!: number | null;

  @Field(() => [String], { description: 'UTC days (YYYY-MM-DD) of the window with a pool line a cost sync loaded less than 72 h after its hour: usage may still be revised, so no run on them was taken as billed in full' })
  unsettledDays!: string[];
}

@ObjectType()
export class ReconciliationConnection extends Connection(Reconciliation, 'Reconciliation') {}

@ArgsType()
export class ReconciliationsArgs {
  @Field(() => Int, { defaultValue: 20, description: 'Page size, 1 to the server maximum (default 500)' })
  @Min(1)
  @Max(10_000)
  first!: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  after?: string | null;
}

@ObjectType()
export class ReconcileRequest {
  @Field(() => String, { description: 'The costs.reconcile job; its reconciliation appears in `reconciliations` when it runs' })
  jobId!: string;
}

@ObjectType({ description: 'A share of a run\'s actual cost: its tasks\' allocations plus its part of the run\'s idle share.' })
export class CostPart {
  @Field(() => String, { nullable: true, description: 'The sample or process; null for tasks without one' })
  name!: string | null;

  @Field(() => Money)
  tasks!: Money;

  @Field(() => Money, { description: "The run's idle share, split in proportion to task cost" })
  idleShare!: Money;

  @Field(() => Money)
  total!: Money;
}

@ObjectType({ description: "A run's actual cost in one currency, from the reconciled bill." })
export class RunCostBreakdown {
  runId!: string;

  @Field(() => String)
  currency!: string;

  @Field(() => Money, { description: 'What its tasks used of the pool lines' })
  tasks!: Money;

  @Field(() => Money, { description: 'Its share of pool idle (0 when idle is kept apart)' })
  idleShare!: Money;

  @Field(() => Money, { description: 'tasks + idleShare' })
  total!: Money;
}

@ObjectType({ description: 'A stored run estimate against the reconciled actual cost.' })
export class EstimateError {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  estimateId!: string;

  @Field(() => ID)
  runId!: string;

  pipelineId!: string | null;

  @Field(() => Pipeline, { nullable: true })
  pipeline?: Pipeline | null;

  @Field(() => EstimateKindEnum)
  kind!: EstimateKind;

  @Field(() => String)
  modelName!: string;

  @Field(() => String)
  modelVersion!: string;

  @Field(() => Money)
  estimatedCost?: Money;

  @Field(() => Money)
  actualCost?: Money;

  @Field(() => DecimalScalar, { nullable: true, description: '(estimated − actual) / actual; null when the actual is 0' })
  errorRatio!: string | null;

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType()
export class EstimateErrorConnection extends Connection(EstimateError, 'EstimateError') {}

@InputType()
export class EstimateErrorFilterInput {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  runId?: string | null;

  @Field(() => String, { nullable: true, description: 'Pipeline name, e.g. nf-core/rnaseq (every revision)' })
  @IsOptional()
  @Length(1, 200)
  pipeline?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 200)
  modelName?: string | null;
}

@ArgsType()
export class EstimateErrorsArgs {
  @Field(() => EstimateErrorFilterInput, { nullable: true })
  @IsOptional()
  filter?: EstimateErrorFilterInput | null;

  @Field(() => Int, { defaultValue: 50, description: 'Page size, 1 to the server maximum (default 500)' })
  @Min(1)
  @Max(10_000)
  first!: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  after?: string | null;
}

@ObjectType({ description: 'How far one model version\'s estimates of one kind were from the bill, for one pipeline.' })
export class EstimateAccuracy {
  pipelineId!: string | null;

  @Field(() => Pipeline, { nullable: true })
  pipeline?: Pipeline | null;

  @Field(() => EstimateKindEnum)
  kind!: EstimateKind;

  @Field(() => String)
  modelName!: string;

  @Field(() => String)
  modelVersion!: string;

  @Field(() => Int, { description: 'Estimates compared with an actual' })
  count!: number;

  @Field(() => Float, { nullable: true, description: 'Mean |error ratio| (0.1 = 10%)' })
  mape!: number | null;

  @Field(() => Float, { nullable: true, description: 'Median |error ratio|' })
  medianApe!: number | null;

  @Field(() => Float, { nullable: true, description: 'Mean error ratio: positive, estimates run high' })
  bias!: number | null;

  @Field(() => Int, { description: 'Estimates beyond the drift threshold' })
  drifted!: number;
}
