import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../graphql/context.js';
import type { WebhookChannelRow } from '../db/schema/index.js';
import { toConnection } from '../schema/common.js';
import { CreatedWebhookChannel, CreateWebhookChannelInput, DeliveriesArgs, UpdateWebhookChannelInput, WebhookChannel, WebhookDeliveryConnection } from '../schema/webhook.js';

@Resolver(() => WebhookChannel)
export class WebhookChannelResolver {
  @Authorized('ANALYST')
  @Query(() => [WebhookChannel], { description: 'By name' })
  webhookChannels(@Ctx() ctx: Context) {
    return ctx.org().webhooks.list();
  }

  @Authorized('ANALYST')
  @Query(() => WebhookChannel)
  webhookChannel(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.org().webhooks.get(id);
  }

  @Authorized('ADMIN')
  @Mutation(() => CreatedWebhookChannel, { description: 'The signing secret is in the answer, once' })
  createWebhookChannel(@Arg('input', () => CreateWebhookChannelInput) input: CreateWebhookChannelInput, @Ctx() ctx: Context) {
    return ctx.org().webhooks.create(input);
  }

  @Authorized('ADMIN')
  @Mutation(() => WebhookChannel)
  updateWebhookChannel(@Arg('id', () => ID) id: string, @Arg('input', () => UpdateWebhookChannelInput) input: UpdateWebhookChannelInput, @Ctx() ctx: Context) {
    return ctx.org().webhooks.update(id, input);
  }

  @Authorized('ADMIN')
  @Mutation(() => ID, { description: 'Deletes the channel and its delivery log' })
  async deleteWebhookChannel(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    await ctx.org().webhooks.delete(id);
    return id;
  }

  @FieldResolver(() => String)
  url(@Root() channel: WebhookChannelRow) {
    const u = new URL(channel.url);
    return `${u.origin}${u.pathname}`;
  }

  @FieldResolver(() => WebhookDeliveryConnection)
  async deliveries(@Root() channel: WebhookChannelRow, @Args(() => DeliveriesArgs) { first, after }: DeliveriesArgs, @Ctx() ctx: Context) {
    return toConnection(await ctx.org().webhooks.deliveries(channel.id, first, after));
  }
}
