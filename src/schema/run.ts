import { ArrayMaxSize, IsObject, IsOptional, Length, Max, Min } from 'class-validator';
import { GraphQLJSONObject, GraphQLSafeInt } from 'graphql-scalars';
import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { runStatusEnum, type RunStatus, type VmPriority } from '../db/schema/runs.js';
import { Connection, Money, enumOf } from './common.js';
import { Project } from './project.js';
import { VmPriorityEnum } from './task.js';

export const RunStatusEnum = enumOf(runStatusEnum.enumValues);
registerEnumType(RunStatusEnum, { name: 'RunStatus', description: 'REGISTERED by a LIMS before launch, then RUNNING, then SUCCEEDED or FAILED' });

@ObjectType()
export class Pipeline {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'e.g. nf-core/rnaseq' })
  name!: string;

  @Field(() => String, { description: "'' when unknown" })
  revision!: string;
}

@ObjectType({ description: 'One workflow execution.' })
export class Run {
  @Field(() => ID, { description: 'Pass this to Nextflow (e.g. --gct_run_id) to tie the execution to this run' })
  id!: string;

  @Field(() => String, { nullable: true })
  runName!: string | null;

  @Field(() => String, { nullable: true, description: "Nextflow's session id (the weblog runId)" })
  sessionId!: string | null;

  @Field(() => RunStatusEnum)
  status!: RunStatus;

  /** Loaded in batches by the field resolver. */
  projectId!: string | null;
  pipelineId!: string | null;

  @Field(() => Project, { nullable: true, description: 'null while the run is not tied to a project' })
  project?: Project | null;

  @Field(() => Pipeline, { nullable: true })
  pipeline?: Pipeline | null;

  @Field(() => Date, { nullable: true })
  submittedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  completedAt!: Date | null;

  @Field(() => Int, { nullable: true })
  sampleCount!: number | null;

  @Field(() => GraphQLSafeInt, { nullable: true })
  inputBytes!: number | null;

  @Field(() => GraphQLJSONObject)
  labels!: Record<string, string>;

  @Field(() => GraphQLJSONObject)
  params!: Record<string, unknown>;

  @Field(() => String, { nullable: true })
  executor!: string | null;

  @Field(() => String, { nullable: true })
  region!: string | null;

  @Field(() => VmPriorityEnum, { nullable: true, description: 'The pricing tier given at registerRun; null when none was' })
  priority!: VmPriority | null;

  @Field(() => String, { nullable: true })
  errorMessage!: string | null;

  @Field(() => Int)
  taskCount!: number;

  @Field(() => Money, { nullable: true, description: 'The current estimate' })
  estimatedCost?: Money | null;

  @Field(() => Money, { nullable: true, description: 'Reconciled from the bill' })
  actualCost?: Money | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType()
export class RunConnection extends Connection(Run, 'Run') {}

@InputType()
export class RunFilterInput {
  @Field(() => [RunStatusEnum], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(10)
  status?: RunStatus[] | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 128)
  projectCode?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Only runs not tied to any project' })
  @IsOptional()
  unassigned?: boolean | null;

  @Field(() => String, { nullable: true, description: 'Pipeline name, e.g. nf-core/rnaseq' })
  @IsOptional()
  @Length(1, 200)
  pipeline?: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Every given label must match exactly' })
  @IsOptional()
  @IsObject()
  labels?: Record<string, string> | null;

  @Field(() => Date, { nullable: true, description: 'Created at or after' })
  @IsOptional()
  createdFrom?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Created before' })
  @IsOptional()
  createdTo?: Date | null;
}

@ArgsType()
export class RunsArgs {
  @Field(() => RunFilterInput, { nullable: true })
  @IsOptional()
  filter?: RunFilterInput | null;

  @Field(() => Int, { defaultValue: 50, description: 'Page size, 1 to the server maximum (default 500)' })
  @Min(1)
  @Max(10_000)
  first!: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  after?: string | null;
}

@InputType()
export class RegisterRunInput {
  @Field(() => String, { description: 'The LIMS project code the run is charged to' })
  @Length(1, 128)
  projectCode!: string;

  @Field(() => String, { description: 'e.g. nf-core/rnaseq' })
  @Length(1, 200)
  pipeline!: string;

  @Field(() => String, { nullable: true, description: 'e.g. 3.14.0' })
  @IsOptional()
  @Length(1, 100)
  revision?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 200)
  runName?: string | null;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @Min(0)
  @Max(1_000_000)
  sampleCount?: number | null;

  @Field(() => GraphQLSafeInt, { nullable: true })
  @IsOptional()
  @Min(0)
  inputBytes?: number | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  @IsOptional()
  @IsObject()
  labels?: Record<string, string> | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Pipeline parameters, as passed to Nextflow' })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: 'Cloud region, e.g. westeurope' })
  @IsOptional()
  @Length(1, 64)
  region?: string | null;

  @Field(() => VmPriorityEnum, {
    nullable: true,
    description: "The pricing tier its nodes will use: the stored quote and the live re-pricing use it (without it, the quote is DEDICATED and the live re-pricing takes the tier most of the run's tasks ran at)",
  })
  @IsOptional()
  priority?: VmPriority | null;
}
