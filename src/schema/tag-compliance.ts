import { ArrayMaxSize, IsOptional, Length, Max, Min } from 'class-validator';
import { ArgsType, Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { COMPLIANCE_GRANULARITIES, MAX_REQUIRED_TAG_KEYS, type ComplianceGranularity, type ComplianceWindow } from '../services/tag-compliance.js';
import { Connection, Money, enumOf } from './common.js';

export const ComplianceGranularityEnum = enumOf(COMPLIANCE_GRANULARITIES);
registerEnumType(ComplianceGranularityEnum, { name: 'ComplianceGranularity', description: 'Periods are UTC days (YYYY-MM-DD) or months (YYYY-MM) of the charge period start' });

@InputType()
export class RequiredTagKeysInput {
  @Field(() => [String], { description: `The whole set (replaces the current one); up to ${MAX_REQUIRED_TAG_KEYS}, compared without case; [] turns the policy off` })
  @ArrayMaxSize(MAX_REQUIRED_TAG_KEYS)
  @Length(1, 512, { each: true })
  keys!: string[];
}

@ArgsType()
export class TagComplianceArgs {
  @Field(() => Date, { description: 'Charge periods starting at or after' })
  from!: Date;

  @Field(() => Date, { description: 'Charge periods starting before (half-open)' })
  to!: Date;

  @Field(() => ComplianceGranularityEnum, { defaultValue: 'MONTH' })
  granularity!: ComplianceGranularity;
}

@ArgsType()
export class TagCompliancePageArgs {
  @Field(() => Int, { defaultValue: 100, description: 'Page size, 1 to the server maximum (default 500)' })
  @Min(1)
  @Max(10_000)
  first!: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  after?: string | null;
}

@ObjectType({ description: 'Spend in one currency, and the part of it on bill lines missing a required tag.' })
export class TagComplianceTotal {
  @Field(() => Money)
  total!: Money;

  @Field(() => Money, { description: 'On lines lacking at least one required key (or with it empty)' })
  untagged!: Money;

  @Field(() => Float, { nullable: true, description: 'untagged / total; null when the total is 0' })
  untaggedShare!: number | null;

  @Field(() => Int)
  rows!: number;

  @Field(() => Int)
  untaggedRows!: number;
}

@ObjectType({ description: 'Untagged spend of one period, resource group and service, by the keys missing.' })
export class TagComplianceGroup {
  @Field(() => String)
  period!: string;

  @Field(() => String, { nullable: true })
  resourceGroup!: string | null;

  @Field(() => String, { nullable: true })
  service!: string | null;

  @Field(() => [String], { description: 'Required keys these lines lack, sorted' })
  missingKeys!: string[];

  @Field(() => Money)
  amount!: Money;

  @Field(() => Int)
  rows!: number;
}

@ObjectType()
export class TagComplianceGroupConnection extends Connection(TagComplianceGroup, 'TagComplianceGroup') {}

@ObjectType({ description: 'Spend on resources missing the organization\'s required tag keys, over a window.' })
export class TagComplianceReport {
  @Field(() => [String], { description: 'The required keys the report checked; with none, nothing is untagged' })
  requiredKeys!: string[];

  @Field(() => Date)
  from!: Date;

  @Field(() => Date)
  to!: Date;

  @Field(() => ComplianceGranularityEnum)
  granularity!: ComplianceGranularity;

  /** For the field resolvers. */
  window!: ComplianceWindow;
}
