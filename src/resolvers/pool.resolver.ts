import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../graphql/context.js';
import { DeclarePoolInput, Pool } from '../schema/task.js';

@Resolver(() => Pool)
export class PoolResolver {
  @Authorized()
  @Query(() => [Pool], { description: "The organization's declared compute pools" })
  pools(@Ctx() ctx: Context) {
    return ctx.org().pools.list();
  }

  @Authorized('ADMIN')
  @Mutation(() => Pool, { description: 'Declares (or redeclares) a pool by name: its VM size, region and pricing tier' })
  declarePool(@Arg('input', () => DeclarePoolInput) input: DeclarePoolInput, @Ctx() ctx: Context) {
    return ctx.org().pools.declare(input);
  }
}
