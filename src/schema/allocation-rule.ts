import { IsObject, IsOptional, Length, Max, Min, ValidateNested } from 'class-validator';
import { GraphQLJSONObject } from 'graphql-scalars';
import { ArgsType, Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { AllocationMatch } from '../db/schema/allocation-rules.js';
import { Money } from './common.js';

@InputType({ description: 'Every given field must match. Patterns are globs (* and ?) compared without case.' })
export class AllocationMatchInput implements AllocationMatch {
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'The line carries all these tags, e.g. {"team": "sequencing"}' })
  @IsOptional()
  @IsObject()
  tags?: Record<string, string>;

  @Field(() => String, { nullable: true, description: 'Resource id pattern, e.g. */storageAccounts/shared*' })
  @IsOptional()
  @Length(1, 1000)
  resourceId?: string;

  @Field(() => String, { nullable: true, description: 'Resource group pattern' })
  @IsOptional()
  @Length(1, 1000)
  resourceGroup?: string;

  @Field(() => String, { nullable: true, description: 'Service name, e.g. Storage' })
  @IsOptional()
  @Length(1, 1000)
  service?: string;

  @Field(() => String, { nullable: true, description: 'SKU id' })
  @IsOptional()
  @Length(1, 1000)
  sku?: string;

  @Field(() => String, { nullable: true, description: "The line's project tag" })
  @IsOptional()
  @Length(1, 1000)
  project?: string;
}

@InputType()
export class AllocationRuleInput {
  @Field(() => String)
  @Length(1, 200)
  name!: string;

  @Field(() => Int, { description: '1 applies first; unique per organization' })
  @Min(1)
  @Max(100_000)
  priority!: number;

  @Field(() => String, { description: 'Where matching lines go' })
  @Length(1, 200)
  costCentre!: string;

  @Field(() => AllocationMatchInput)
  @ValidateNested()
  match!: AllocationMatchInput;
}

@ArgsType()
export class AllocationWindowArgs {
  @Field(() => Date, { description: 'Charge periods starting at or after' })
  from!: Date;

  @Field(() => Date, { description: 'Charge periods starting before (half-open)' })
  to!: Date;
}

@ObjectType('AllocationMatch')
export class AllocationMatchType {
  @Field(() => GraphQLJSONObject, { nullable: true }) tags?: Record<string, string>;
  @Field(() => String, { nullable: true }) resourceId?: string;
  @Field(() => String, { nullable: true }) resourceGroup?: string;
  @Field(() => String, { nullable: true }) service?: string;
  @Field(() => String, { nullable: true }) sku?: string;
  @Field(() => String, { nullable: true }) project?: string;
}

@ObjectType({ description: 'Assigns bill lines no task explains to a cost centre; first match by priority wins.' })
export class AllocationRule {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => Int) priority!: number;
  @Field(() => String) costCentre!: string;
  @Field(() => AllocationMatchType) match!: AllocationMatch;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType({ description: "Unexplained spend of one cost centre ('Unallocated' for lines no rule matches), in one currency." })
export class CostCentreTotal {
  @Field(() => String) costCentre!: string;
  @Field(() => Money) amount!: Money;
  @Field(() => Int) rows!: number;
}

@ObjectType({ description: 'Spend a candidate rule would move from one cost centre to another.' })
export class AllocationMove {
  @Field(() => String) from!: string;
  @Field(() => String) to!: string;
  @Field(() => Money) amount!: Money;
  @Field(() => Int) rows!: number;
}
