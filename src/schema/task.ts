import { ArrayMaxSize, IsOptional, Length, Max, Min } from 'class-validator';
import { GraphQLSafeInt } from 'graphql-scalars';
import { ArgsType, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { TASK_STATUSES, type TaskStatus } from '../ingest/nextflow/index.js';
import { vmPriorityEnum, type VmPriority } from '../db/schema/runs.js';
import { Connection, enumOf } from './common.js';

export const TaskStatusEnum = enumOf(TASK_STATUSES);
registerEnumType(TaskStatusEnum, { name: 'TaskStatus', description: "Nextflow's task states" });

export const VmPriorityEnum = enumOf(vmPriorityEnum.enumValues);
registerEnumType(VmPriorityEnum, { name: 'VmPriority', description: 'Pricing tier of the machine: dedicated, low-priority (Azure Batch) or spot' });

@ObjectType({ description: 'One Nextflow task attempt, with what it asked for and what it used.' })
export class Task {
  @Field(() => ID) id!: number;
  @Field(() => Int, { description: "Nextflow's task_id" }) taskId!: number;
  @Field(() => Int, { nullable: true, description: 'Which try of its process and tag (1 = first); null when no source said (a trace without the attempt column)' })
  attempt!: number | null;
  @Field(() => String, { nullable: true }) hash!: string | null;
  @Field(() => String, { nullable: true }) nativeId!: string | null;
  @Field(() => String, { nullable: true }) process!: string | null;
  @Field(() => String, { nullable: true }) tag!: string | null;
  @Field(() => String, { nullable: true, description: 'Sample, extracted from the tag' }) sample!: string | null;
  @Field(() => String, { nullable: true }) name!: string | null;
  @Field(() => TaskStatusEnum, { nullable: true }) status!: TaskStatus | null;
  @Field(() => Int, { nullable: true }) exitCode!: number | null;
  @Field(() => Date, { nullable: true }) submittedAt!: Date | null;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) completedAt!: Date | null;
  @Field(() => GraphQLSafeInt, { nullable: true }) durationMs!: number | null;
  @Field(() => GraphQLSafeInt, { nullable: true }) realtimeMs!: number | null;
  @Field(() => Float, { nullable: true, description: '%cpu: 100 = one core busy' }) pcpu!: number | null;
  @Field(() => Float, { nullable: true }) pmem!: number | null;
  @Field(() => GraphQLSafeInt, { nullable: true }) peakRss!: number | null;
  @Field(() => GraphQLSafeInt, { nullable: true }) peakVmem!: number | null;
  @Field(() => GraphQLSafeInt, { nullable: true }) rchar!: number | null;
  @Field(() => GraphQLSafeInt, { nullable: true }) wchar!: number | null;
  @Field(() => GraphQLSafeInt, { nullable: true }) readBytes!: number | null;
  @Field(() => GraphQLSafeInt, { nullable: true }) writeBytes!: number | null;
  @Field(() => Int, { nullable: true, description: 'Requested cpus' }) cpus!: number | null;
  @Field(() => GraphQLSafeInt, { nullable: true, description: 'Requested memory, bytes' }) memoryBytes!: number | null;
  @Field(() => GraphQLSafeInt, { nullable: true }) diskBytes!: number | null;
  @Field(() => GraphQLSafeInt, { nullable: true, description: 'Requested time, ms' }) timeMs!: number | null;
  @Field(() => String, { nullable: true }) queue!: string | null;
  @Field(() => String, { nullable: true }) pool!: string | null;
  @Field(() => String, { nullable: true }) node!: string | null;
  @Field(() => String, { nullable: true, description: "From the organization's declared pools" }) vmSize!: string | null;
  @Field(() => VmPriorityEnum, { nullable: true }) priority!: VmPriority | null;
  @Field(() => String, { nullable: true }) hostname!: string | null;
  @Field(() => String, { nullable: true }) container!: string | null;
  @Field(() => String, { nullable: true }) errorAction!: string | null;
  @Field(() => String, { description: 'trace or weblog: where the stored values came from' }) source!: string;
}

@ObjectType()
export class TaskConnection extends Connection(Task, 'Task') {}

@InputType()
export class TaskFilterInput {
  @Field(() => [TaskStatusEnum], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(7)
  status?: TaskStatus[] | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 500)
  process?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 500)
  sample?: string | null;
}

@ArgsType()
export class TasksArgs {
  @Field(() => TaskFilterInput, { nullable: true })
  @IsOptional()
  filter?: TaskFilterInput | null;

  @Field(() => Int, { defaultValue: 100 })
  @Min(1)
  @Max(10_000)
  first!: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  after?: string | null;
}

@ObjectType({ description: "One process of a run: its tasks' use, summed in SQL." })
export class ProcessSummary {
  @Field(() => String) name!: string;
  @Field(() => Int) tasks!: number;
  @Field(() => Int, { description: 'Completed in this run (cached tasks are counted in cached)' }) completed!: number;
  @Field(() => Int, { description: 'Taken from an earlier run by -resume: not run now, so not in the hours' }) cached!: number;
  @Field(() => Int) failed!: number;
  @Field(() => Float, { description: 'Σ realtime × requested cpus of the tasks that ran in this run (not cached), hours' }) cpuHours!: number;
  @Field(() => Float, { description: 'Σ realtime of the tasks that ran in this run (not cached), hours' }) realtimeHours!: number;
  @Field(() => Float, { nullable: true, description: 'Largest memory request, bytes' }) requestedMemoryBytes!: number | null;
  @Field(() => Float, { nullable: true, description: 'Largest peak RSS, bytes' }) peakRssBytes!: number | null;
  @Field(() => Float, { nullable: true }) meanCpuPercent!: number | null;
}

@ObjectType({ description: "One sample of a run (from task tags): its tasks' use." })
export class SampleSummary {
  @Field(() => String) sample!: string;
  @Field(() => Int) tasks!: number;
  @Field(() => Float) cpuHours!: number;
  @Field(() => Float) realtimeHours!: number;
}

@ObjectType({ description: 'A compute pool: tasks that ran on it are priced at its VM size and tier.' })
export class Pool {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'As Nextflow reports it (the queue / Batch pool id)' }) name!: string;
  @Field(() => String) provider!: string;
  @Field(() => String) region!: string;
  @Field(() => String) vmSize!: string;
  @Field(() => VmPriorityEnum) priority!: VmPriority;
  @Field(() => String, { nullable: true }) resourceId!: string | null;
}

@InputType()
export class DeclarePoolInput {
  @Field(() => String) @Length(1, 200) name!: string;
  @Field(() => String, { nullable: true, defaultValue: 'azure' }) @IsOptional() @Length(1, 20) provider?: string | null;
  @Field(() => String, { description: 'e.g. westeurope' }) @Length(1, 64) region!: string;
  @Field(() => String, { description: 'e.g. Standard_D4s_v3' }) @Length(1, 100) vmSize!: string;
  @Field(() => VmPriorityEnum, { nullable: true, defaultValue: 'DEDICATED' }) @IsOptional() priority?: VmPriority | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 1000) resourceId?: string | null;
}
