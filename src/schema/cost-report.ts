import { IsOptional, Length, Max, Min } from 'class-validator';
import { ArgsType, Field, ID, Int, ObjectType } from 'type-graphql';
import { Connection } from './common.js';

@ObjectType({ description: "A project's monthly cost report, stored as rendered." })
export class CostReport {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'YYYY-MM' }) month!: string;
  @Field(() => String, { description: 'GET with the same Authorization header' }) csvUrl!: string;
  @Field(() => String, { description: 'A readable page with a chart of daily spend' }) htmlUrl!: string;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date) updatedAt!: Date;
  projectId!: string;
}

@ObjectType()
export class CostReportConnection extends Connection(CostReport, 'CostReport') {}

@ArgsType()
export class CostReportsArgs {
  @Field(() => String, { nullable: true, description: 'Project code' })
  @IsOptional()
  @Length(1, 100)
  project?: string | null;

  @Field(() => Int, { defaultValue: 50 })
  @Min(1)
  @Max(10_000)
  first!: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  after?: string | null;
}
