import { Field, ID, ObjectType } from 'type-graphql';
import { RoleEnum } from './common.js';
import type { Role } from '../auth/roles.js';

@ObjectType()
export class Organization {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  slug!: string;

  @Field(() => String, { description: 'ISO 4217 currency amounts are reported in' })
  currency!: string;

  @Field(() => Boolean, { description: 'True for the organization created on first start, filled with demo data' })
  isDemo!: boolean;
}

@ObjectType({ description: 'The caller: a user (JWT) or an API key, in one organization.' })
export class Me {
  @Field(() => ID)
  principalId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'USER or API_KEY' })
  kind!: string;

  @Field(() => RoleEnum)
  role!: Role;

  @Field(() => Organization)
  organization!: Organization;
}
