import { IsOptional, Length, Matches, Min } from 'class-validator';
import { ArgsType, Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { Connection } from './common.js';

@ObjectType({ description: 'A LIMS project or cost centre.' })
export class Project {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: "The LIMS's own key, unique in the organization" })
  code!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  costCentre!: string | null;

  @Field(() => Date)
  createdAt!: Date;
}

@InputType()
export class CreateProjectInput {
  @Field(() => String)
  @Length(1, 128)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._\-/]*$/, { message: 'code must start with a letter or digit and use only letters, digits and . _ - /' })
  code!: string;

  @Field(() => String)
  @Length(1, 200)
  name!: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 200)
  costCentre?: string | null;
}

@ObjectType()
export class ProjectConnection extends Connection(Project, 'Project') {}

@ArgsType()
export class ProjectsPageArgs {
  @Field(() => Int, { defaultValue: 100, description: 'Page size, 1 to the server maximum (default 500)' })
  @Min(1)
  first!: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  after?: string | null;
}
