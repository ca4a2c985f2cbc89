import { estimateKindEnum } from '../db/schema/estimates.js';
import { IsIn, IsObject, IsOptional, Length, Max, Min } from 'class-validator';
import { GraphQLJSONObject, GraphQLSafeInt } from 'graphql-scalars';
import { ArgsType, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { COST_BASES, modelScopeEnum, type CostBasis, type ModelScope } from '../db/schema/model-versions.js';
import type { VmPriority } from '../db/schema/runs.js';
import { MODEL_TARGETS } from '../models/model.js';
import { DecimalScalar } from './scalars.js';
import { VmPriorityEnum } from './task.js';
import { enumOf } from './common.js';

export const ModelScopeEnum = enumOf(modelScopeEnum.enumValues);
registerEnumType(ModelScopeEnum, { name: 'ModelScope', description: 'PIPELINE: fitted on all tasks of a pipeline; PROCESS: on one process of it' });

export const EstimateBasisEnum = { PRICE_SHEET: 'PRICE_SHEET', CHAMPION: 'CHAMPION' } as const;
registerEnumType(EstimateBasisEnum, {
  name: 'EstimateBasis',
  description: 'PRICE_SHEET: no trained model for the pipeline, the price-sheet rule over stated assumptions; CHAMPION: the champion model of the pipeline',
});

export const CostBasisEnum = enumOf(COST_BASES);
registerEnumType(CostBasisEnum, {
  name: 'CostBasis',
  description: "What finished runs' costs a run-level model learned from: BILL, their actual costs once 10 runs were billed in full (idle shared with runs, overheads included); PRICE_SHEET, their tasks at the price sheet until then",
});

@ObjectType({ description: 'An estimation model the server can use: a built-in or one loaded from GCT_MODEL_MODULES' })
export class RegisteredModel {
  @Field(() => String) name!: string;
  @Field(() => String, { description: "The model code's version" }) version!: string;
  @Field(() => String, { description: `What it predicts per task: ${MODEL_TARGETS.join(', ')}` }) target!: string;
  @Field(() => Boolean, { description: 'Shipped with the server (false: a user module)' }) builtin!: boolean;
}

@ObjectType({ description: 'One fit of a model on a scope of the history, with its time-ordered holdout metrics (fractions: 0.25 = 25 %)' })
export class ModelVersion {
  @Field(() => ID) id!: string;
  @Field(() => String) modelName!: string;
  @Field(() => String) modelVersion!: string;
  @Field(() => String) target!: string;
  @Field(() => ModelScopeEnum) scope!: ModelScope;
  @Field(() => String) pipeline!: string;
  @Field(() => String, { description: "'' for PIPELINE scope" }) process!: string;
  @Field(() => Float, { nullable: true, description: 'Mean absolute percentage error on the holdout' }) mape!: number | null;
  @Field(() => Float, { nullable: true }) medianApe!: number | null;
  @Field(() => Float, { nullable: true, description: 'Σpredicted / Σactual − 1 on the holdout' }) bias!: number | null;
  @Field(() => Float, { nullable: true, description: "Share of holdout values inside the model's 80 % interval" }) coverage!: number | null;
  @Field(() => Int) nTrain!: number;
  @Field(() => Int) nTest!: number;
  @Field(() => Boolean, { description: 'The version quotes use for this target and scope' }) champion!: boolean;
  @Field(() => Boolean, { description: 'False once the fitted state was dropped (GCT_MODEL_STATE_RETENTION_DAYS; never for a champion): the metrics stay' }) stateKept!: boolean;
  @Field(() => CostBasisEnum, { nullable: true, description: 'costPerRun versions: what the runs it learned from cost; null for task targets' }) costBasis!: CostBasis | null;
  @Field(() => String, { nullable: true, description: "costPerRun versions: the currency of those runs' costs" }) currency!: string | null;
  @Field(() => Date) trainedAt!: Date;
  @Field(() => Date, { nullable: true, description: 'Submit time of the oldest sample the stored fit learned from (null for versions trained before it was kept)' }) trainedFrom!: Date | null;
  @Field(() => Date, { nullable: true, description: 'Submit time of the newest sample the stored fit learned from' }) trainedTo!: Date | null;
  @Field(() => Date, { nullable: true, description: 'Submit time of the oldest holdout sample: the metrics are on samples from then to trainedTo, scored by a fit on the ones before' }) heldOutFrom!: Date | null;
}

@InputType()
export class ModelFilterInput {
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 200) pipeline?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsIn([...MODEL_TARGETS]) target?: string | null;
  @Field(() => Boolean, { nullable: true }) @IsOptional() championOnly?: boolean | null;
}

@ArgsType()
export class ModelsArgs {
  @Field(() => ModelFilterInput, { nullable: true }) @IsOptional() filter?: ModelFilterInput | null;
  @Field(() => Int, { defaultValue: 100, description: 'Newest first, at most 1000' }) @Min(1) @Max(1000) first!: number;
}

@InputType()
export class EstimateInput {
  @Field(() => String, { description: 'e.g. nf-core/rnaseq' }) @Length(1, 200) pipeline!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 100) revision?: string | null;
  @Field(() => Int) @Min(0) @Max(1_000_000) samples!: number;
  @Field(() => GraphQLSafeInt, { nullable: true }) @IsOptional() @Min(0) inputBytes?: number | null;
  @Field(() => String, { nullable: true, description: 'Cloud region, e.g. westeurope; prices fall back to the reference region (reported)' }) @IsOptional() @Length(1, 64) region?: string | null;
  @Field(() => VmPriorityEnum, { nullable: true, defaultValue: 'DEDICATED' }) @IsOptional() priority?: VmPriority | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Pipeline parameters. No model reads them yet (features are pipeline, revision, samples, inputBytes, region and priority); registerRun keeps a run\'s own on the run' }) @IsOptional() @IsObject() params?: Record<string, unknown> | null;
}

@ObjectType({ description: 'The model behind an estimate and what its holdout measured (null for the price-sheet rule)' })
export class EstimateModelInfo {
  @Field(() => String) name!: string;
  @Field(() => String) version!: string;
  @Field(() => String) target!: string;
  @Field(() => Float, { nullable: true }) mape!: number | null;
  @Field(() => Float, { nullable: true }) medianApe!: number | null;
  @Field(() => Float, { nullable: true }) bias!: number | null;
  @Field(() => Float, { nullable: true }) coverage!: number | null;
  @Field(() => Int, { nullable: true, description: 'Samples the version was trained on' }) nTrain!: number | null;
  @Field(() => Int, { nullable: true, description: 'Holdout samples its metrics come from' }) nTest!: number | null;
  @Field(() => Date, { nullable: true }) trainedAt!: Date | null;
}

@ObjectType()
export class ProcessEstimate {
  @Field(() => String) process!: string;
  @Field(() => Float, { description: 'Expected tasks of the process' }) tasks!: number;
  @Field(() => Float, { description: 'Predicted runtime of one task' }) runtimeMs!: number;
  @Field(() => String) vmSize!: string;
  @Field(() => DecimalScalar) value!: string;
  @Field(() => DecimalScalar) low!: string;
  @Field(() => DecimalScalar) high!: string;
  @Field(() => String, { description: 'name@version of the model that predicted the runtime' }) model!: string;
  @Field(() => String, { nullable: true, description: "Why the process is not quoted as its profile and champion would be: its champion failed or answered nonsense (the pipeline's champion was used), or its VM size has no price (priced on the default VM size)" }) note!: string | null;
}

@ObjectType({ description: "A run's total from the pipeline's run-level (costPerRun) champion, trained on what its finished runs cost" })
export class RunModelEstimate {
  @Field(() => DecimalScalar) value!: string;
  @Field(() => DecimalScalar) low!: string;
  @Field(() => DecimalScalar) high!: string;
  @Field(() => String, { description: 'The currency of the runs it learned from (ISO 4217)' }) currency!: string;
  @Field(() => CostBasisEnum) costBasis!: CostBasis;
  @Field(() => String, { nullable: true, description: 'held-out, or in-sample while the pipeline has too few runs for held-out residuals (built-ins; null when a model does not say)' }) intervalMethod!: string | null;
  @Field(() => EstimateModelInfo, { description: 'The costPerRun champion and its holdout metrics (over runs)' }) model!: EstimateModelInfo;
}

@ObjectType({ description: "How the pipeline's past quotes landed against the bill: per run billed in full, its newest quote against its actual cost (fractions: 0.25 = 25 %)" })
export class QuoteTrackRecord {
  @Field(() => Int, { description: 'SUCCEEDED runs of the pipeline billed in full (every hour of every task that ran billed by a line loaded 72 h after it; every day they ran on last reconciled whole, sharing idle, after they ended and their bill settled; none cached) that had a quote in this currency' }) runs!: number;
  @Field(() => Float, { nullable: true, description: 'Mean |quote − actual| / actual' }) mape!: number | null;
  @Field(() => Float, { nullable: true, description: 'Σquote / Σactual − 1: negative when quotes were short of the bill' }) bias!: number | null;
  @Field(() => Int, { description: 'Of those, runs whose quote carried a runModel figure' }) runModelRuns!: number;
  @Field(() => Float, { nullable: true }) runModelMape!: number | null;
  @Field(() => Float, { nullable: true }) runModelBias!: number | null;
}

@ObjectType({ description: 'What a run is expected to cost, with an 80 % interval' })
export class Estimate {
  @Field(() => DecimalScalar) value!: string;
  @Field(() => DecimalScalar) low!: string;
  @Field(() => DecimalScalar) high!: string;
  @Field(() => String, { description: 'ISO 4217' }) currency!: string;
  @Field(() => EstimateBasisEnum) basis!: keyof typeof EstimateBasisEnum;
  @Field(() => String, { description: 'Why this basis, and what was assumed' }) note!: string;
  @Field(() => String, { description: 'held-out (model residuals) or default (no history: a wide 0.5×–2× band)' }) intervalMethod!: string;
  @Field(() => EstimateModelInfo) model!: EstimateModelInfo;
  @Field(() => [ProcessEstimate], { description: 'Per process, when the model has one (empty for PRICE_SHEET)' }) processes!: ProcessEstimate[];
  @Field(() => String, { description: 'Region whose prices were used' }) priceRegion!: string;
  @Field(() => Boolean, { description: 'True when the requested region has no prices and the reference region’s were used' }) regionFallback!: boolean;
  @Field(() => Boolean, { description: 'True when SPOT was priced at the LOW_PRIORITY rate' }) priorityFallback!: boolean;
  @Field(() => RunModelEstimate, {
    nullable: true,
    description: "Top-down, beside the per-process value: the run-level champion's figure for the whole run, from what the pipeline's finished runs cost (see costBasis), their sample counts and input bytes, as they ran: it does not reprice for this quote's priority or region. Null until the pipeline has 10 such runs and a retrain, or when the champion fails to answer",
  })
  runModel!: RunModelEstimate | null;
  @Field(() => QuoteTrackRecord, { description: 'How earlier quotes of this pipeline compared with the bill, once runs were reconciled' }) trackRecord!: QuoteTrackRecord;
}

export const EstimateKindEnum = enumOf(estimateKindEnum.enumValues);
registerEnumType(EstimateKindEnum, { name: 'EstimateKind', description: 'QUOTE before launch, LIVE while running (spent + predicted remainder), TASK for one finished task' });

@ObjectType({ description: "One stored estimate of a run (history: a new figure is a new row)" })
export class RunEstimate {
  @Field(() => ID) id!: string;
  @Field(() => ID, { nullable: true }) runId!: string | null;
  @Field(() => EstimateKindEnum) kind!: keyof typeof EstimateKindEnum;
  @Field(() => String) modelName!: string;
  @Field(() => String) modelVersion!: string;
  @Field(() => DecimalScalar) value!: string;
  @Field(() => DecimalScalar, { nullable: true }) low!: string | null;
  @Field(() => DecimalScalar, { nullable: true }) high!: string | null;
  @Field(() => String) currency!: string;
  @Field(() => GraphQLJSONObject, { description: 'What the figure was computed from (LIVE: spent, remainder, basis, finishedTasks)' }) features!: Record<string, unknown>;
  @Field(() => Date) createdAt!: Date;
}
