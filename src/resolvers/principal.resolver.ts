import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../graphql/context.js';
import { ApiKey, CreateApiKeyInput, CreatedApiKey } from '../schema/principal.js';

@Resolver()
export class PrincipalResolver {
  @Authorized('ADMIN')
  @Mutation(() => CreatedApiKey, { description: 'The key is in this answer only; it cannot be read again' })
  async createApiKey(@Arg('input', () => CreateApiKeyInput) input: CreateApiKeyInput, @Ctx() ctx: Context): Promise<CreatedApiKey> {
    const { principal, key } = await ctx.org().principals.createApiKey(input);
    const apiKey = Object.assign(new ApiKey(), { ...principal, prefix: principal.keyPrefix ?? '' });
    return Object.assign(new CreatedApiKey(), { apiKey, key });
  }
}
