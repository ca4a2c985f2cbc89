import { ArrayMaxSize, IsOptional, Length, Max, Min, ValidateNested } from 'class-validator';
import { ArgsType, Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import {
  EXPLORER_DIMENSIONS, GRANULARITIES, MAX_BREAKDOWN_DIMENSIONS, METRICS,
  type BreakdownQuery, type BreakdownTotal, type ExplorerDimension, type ExplorerFilter, type Granularity, type Metric,
} from '../services/cost-explorer.js';
import { AnyOf, Connection, Money, enumOf } from './common.js';
import { DecimalScalar } from './scalars.js';

export const ExplorerDimensionEnum = enumOf(EXPLORER_DIMENSIONS);
registerEnumType(ExplorerDimensionEnum, {
  name: 'ExplorerDimension',
  valuesConfig: {
    PROJECT: { description: 'Project code of the run a cost piece went to (null: not a run’s)' },
    SAMPLE: { description: 'Sample of the task (from its tag)' },
    PROCESS: { description: 'Nextflow process of the task' },
    COST_CENTRE: { description: 'Allocation rules’ cost centre for spend no task explains; null for pool lines' },
    TAG: { description: 'Value of the bill line tag named by tagKey' },
  },
});
export const GranularityEnum = enumOf(GRANULARITIES);
registerEnumType(GranularityEnum, { name: 'Granularity', description: 'Periods are UTC; a week starts on Monday' });
export const MetricEnum = enumOf(METRICS);
registerEnumType(MetricEnum, { name: 'CostMetric', description: 'ACTUAL: the reconciled bill; ESTIMATE: runs’ current estimates; BOTH side by side' });

@InputType()
export class BreakdownGroupByInput {
  @Field(() => ExplorerDimensionEnum)
  dimension!: ExplorerDimension;

  @Field(() => String, { nullable: true, description: 'Required with TAG' })
  @IsOptional()
  @Length(1, 256)
  tagKey?: string | null;
}

@InputType()
export class BreakdownFilterInput implements ExplorerFilter {
  @Field(() => Date, { description: 'Charge periods (runs, for estimates) starting at or after' })
  from!: Date;

  @Field(() => Date, { description: 'Starting before (half-open); the previous period is the window of the same length just before' })
  to!: Date;

  @AnyOf('Any of these project codes')
  project?: string[] | null;

  @AnyOf('Any of these pipeline names')
  pipeline?: string[] | null;

  @AnyOf('Any of these service names')
  service?: string[] | null;

  @AnyOf('Any of these resource groups (case-insensitive)')
  resourceGroup?: string[] | null;

  @AnyOf('Any of these region ids')
  region?: string[] | null;

  @AnyOf('Any of these providers')
  provider?: string[] | null;
}

@ArgsType()
export class CostBreakdownArgs {
  @Field(() => BreakdownFilterInput)
  @ValidateNested()
  filter!: BreakdownFilterInput;

  @Field(() => [BreakdownGroupByInput], { defaultValue: [], description: `Up to ${MAX_BREAKDOWN_DIMENSIONS}` })
  @ArrayMaxSize(MAX_BREAKDOWN_DIMENSIONS)
  @ValidateNested({ each: true })
  groupBy!: BreakdownGroupByInput[];

  @Field(() => GranularityEnum, { nullable: true, description: 'Omitted: no period key' })
  @IsOptional()
  granularity?: Granularity | null;

  @Field(() => MetricEnum, { defaultValue: 'ACTUAL' })
  metric!: Metric;

  @Field(() => Int, { defaultValue: 100, description: 'Page size, 1 to the server maximum (default 500)' })
  @Min(1)
  @Max(10_000)
  first!: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  after?: string | null;
}

// plain data, hundreds per response: see Money
@ObjectType({ simpleResolvers: true })
export class BreakdownKey {
  @Field(() => ExplorerDimensionEnum) dimension!: ExplorerDimension;
  @Field(() => String, { nullable: true }) tagKey!: string | null;
  @Field(() => String, { nullable: true }) value!: string | null;
}

@ObjectType({ description: 'Cost of one group in one currency, with genomics units.', simpleResolvers: true })
export class CostBreakdownGroup {
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD start of the period' }) period!: string | null;
  @Field(() => [BreakdownKey]) keys!: BreakdownKey[];
  @Field(() => Money, { nullable: true }) actual!: Money | null;
  @Field(() => Money, { nullable: true }) estimate!: Money | null;
  @Field(() => Money, { nullable: true, description: 'Actual of the same keys over the previous window (periods aside)' }) previousActual!: Money | null;
  @Field(() => Int) runs!: number;
  @Field(() => Int) samples!: number;
  @Field(() => DecimalScalar, { nullable: true, description: 'Input bytes of the runs in the group' }) inputBytes!: string | null;
  @Field(() => Money, { nullable: true }) costPerRun!: Money | null;
  @Field(() => Money, { nullable: true }) costPerSample!: Money | null;
  @Field(() => Money, { nullable: true, description: 'Per GB (10^9 bytes) of input' }) costPerGb!: Money | null;
}

@ObjectType({ simpleResolvers: true })
export class CostBreakdownTotal {
  @Field(() => Money, { nullable: true }) actual!: Money | null;
  @Field(() => Money, { nullable: true }) estimate!: Money | null;
  @Field(() => Money, { nullable: true }) previousActual!: Money | null;
}

@ObjectType()
export class CostBreakdownConnection extends Connection(CostBreakdownGroup, 'CostBreakdownGroup') {
  /** For the totals field resolver. */
  query!: BreakdownQuery;
  /** The totals, already under way when the request asked for them. */
  totals?: Promise<BreakdownTotal[]>;
}
