import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { PrincipalRow } from '../db/schema/index.js';
import type { Context } from '../graphql/context.js';
import { ApiKey, CreateApiKeyInput, CreatedApiKey } from '../schema/principal.js';

const apiKeyOf = (principal: PrincipalRow) => Object.assign(new ApiKey(), { ...principal, prefix: principal.keyPrefix ?? '' });

@Resolver()
export class PrincipalResolver {
  @Authorized('ADMIN')
  @Mutation(() => CreatedApiKey, { description: 'The key is in this answer only; it cannot be read again' })
  async createApiKey(@Arg('input', () => CreateApiKeyInput) input: CreateApiKeyInput, @Ctx() ctx: Context): Promise<CreatedApiKey> {
    const { principal, key } = await ctx.org().principals.createApiKey(input);
    return Object.assign(new CreatedApiKey(), { apiKey: apiKeyOf(principal), key });
  }

  @Authorized('ADMIN')
  @Query(() => [ApiKey], { description: "The organization's API keys, newest first, revoked ones included" })
  async apiKeys(@Ctx() ctx: Context): Promise<ApiKey[]> {
    return (await ctx.org().principals.listApiKeys()).map(apiKeyOf);
  }

  @Authorized('ADMIN')
  @Mutation(() => ApiKey, { description: 'From the next request on, the key authenticates no one. A key cannot revoke itself: rotate by creating the new key first' })
  async revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<ApiKey> {
    return apiKeyOf(await ctx.org().principals.revokeApiKey(id, { principalId: ctx.viewer!.principalId }));
  }
}
