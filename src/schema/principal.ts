import { Length } from 'class-validator';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { RoleEnum } from './common.js';
import type { Role } from '../auth/roles.js';

@ObjectType({ description: 'An API key as stored: its visible prefix, never the secret.' })
export class ApiKey {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => RoleEnum)
  role!: Role;

  @Field(() => String, { description: 'The first characters of the key, to tell keys apart' })
  prefix!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'Refreshed at most once a minute' })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Set: the key authenticates no one' })
  revokedAt!: Date | null;
}

@ObjectType()
export class CreatedApiKey {
  @Field(() => ApiKey)
  apiKey!: ApiKey;

  @Field(() => String, { description: 'The secret key. Shown this once: store it now.' })
  key!: string;
}

@InputType()
export class CreateApiKeyInput {
  @Field(() => String)
  @Length(1, 200)
  name!: string;

  @Field(() => RoleEnum)
  role!: Role;
}
