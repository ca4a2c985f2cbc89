import { ArrayMaxSize, ArrayMinSize, IsOptional, Length } from 'class-validator';
import { Field, Int, ObjectType, registerEnumType, type ClassType } from 'type-graphql';
import { ROLES } from '../auth/roles.js';
import { DecimalScalar } from './scalars.js';

/** A GraphQL enum object (`{ A: 'A', … }`) from the values it is defined by (a pgEnum's, a const list). */
export const enumOf = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const RoleEnum = enumOf(ROLES);
registerEnumType(RoleEnum, { name: 'Role', description: 'VIEWER < ANALYST < ADMIN: each role may do what the ones below it may.' });

/**
 * `simpleResolvers` on the types a response holds hundreds of (amounts, edges, explorer groups): their
 * fields are plain properties, read by graphql-js's default resolver instead of a type-graphql wrapper
 * per field that only exists to run field middlewares, of which this schema has none.
 */
@ObjectType({ description: 'An amount with its currency.', simpleResolvers: true })
export class Money {
  @Field(() => DecimalScalar)
  amount!: string;

  @Field(() => String, { description: 'ISO 4217 code' })
  currency!: string;
}

export const money = (amount: string | null | undefined, currency: string): Money | null =>
  amount == null ? null : Object.assign(new Money(), { amount, currency });

@ObjectType({ simpleResolvers: true })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
  totalCount?: number;
}

/** Relay-style connection type for a node class: `XConnection { edges { cursor node } pageInfo }`. */
export function Connection<T extends object>(Node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`, { simpleResolvers: true })
  class Edge {
    @Field(() => String)
    cursor!: string;

    @Field(() => Node)
    node!: T;
  }

  @ObjectType()
  abstract class ConnectionClass {
    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return ConnectionClass;
}

export const toConnection = <T>(page: { nodes: T[]; hasNextPage: boolean; endCursor: string | null; cursorOf: (n: T) => string }) => ({
  edges: page.nodes.map((node) => ({ node, cursor: page.cursorOf(node) })),
  pageInfo: Object.assign(new PageInfo(), { hasNextPage: page.hasNextPage, endCursor: page.endCursor }),
});

export { Int };

/**
 * An optional filter list matching any of its values: one to 100 strings of 1–200 characters, so a
 * filter is either absent or says something, and a client cannot send an unbounded `in (…)` list.
 */
export function AnyOf(description: string): PropertyDecorator {
  const decorators = [Field(() => [String], { nullable: true, description }), IsOptional(), ArrayMinSize(1), ArrayMaxSize(100), Length(1, 200, { each: true })];
  return (target, key) => decorators.forEach((d) => d(target, key));
}
