import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { CostSyncRow } from '../db/schema/index.js';
import type { Context } from '../graphql/context.js';
import { Money, money, toConnection } from '../schema/common.js';
import { CostConnection, CostSync, CostSyncConnection, CostSyncRequest, CostSyncsArgs, CreateCostConnectionInput } from '../schema/cost-connection.js';

@Resolver(() => CostConnection)
export class CostConnectionResolver {
  @Authorized()
  @Query(() => [CostConnection], { description: "The organization's Azure Cost Management connections" })
  costConnections(@Ctx() ctx: Context) {
    return ctx.org().costConnections.list();
  }

  @Authorized()
  @Query(() => CostConnection, { description: 'NOT_FOUND when no connection of your organization has this id' })
  costConnection(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.org().costConnections.get(id);
  }

  @Authorized('ADMIN')
  @Mutation(() => CostConnection, { description: 'Connects an Azure scope; sync it with syncCostConnection, or wait for the schedule' })
  createCostConnection(
    @Arg('input', () => CreateCostConnectionInput) input: CreateCostConnectionInput,
    @Arg('clientSecret', () => String, {
      nullable: true,
      description:
        'The app registration secret (CLIENT_SECRET). Stored encrypted and never returned. A separate argument so that no error about `input` can echo it.',
    })
    clientSecret: string | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.org().costConnections.create({ ...input, clientSecret });
  }

  @Authorized('ADMIN')
  @Mutation(() => CostSyncRequest, {
    description: 'Queues a sync that replaces [from, to) (UTC midnights; default the connection window, today included) with what Azure reports now',
  })
  async syncCostConnection(
    @Arg('id', () => ID) id: string,
    @Arg('from', () => Date, { nullable: true }) from: Date | null,
    @Arg('to', () => Date, { nullable: true }) to: Date | null,
    @Ctx() ctx: Context,
  ): Promise<CostSyncRequest> {
    const { sync, jobId } = await ctx.org().costConnections.requestSync(id, { from, to });
    return Object.assign(new CostSyncRequest(), { syncId: sync.id, jobId, sync });
  }

  @Authorized()
  @Query(() => CostSyncConnection, { description: "A connection's syncs, newest first" })
  async costSyncs(@Args(() => CostSyncsArgs) { connectionId, first, after }: CostSyncsArgs, @Ctx() ctx: Context) {
    return toConnection(await ctx.org().costConnections.listSyncs(connectionId, first, after));
  }
}

@Resolver(() => CostSync)
export class CostSyncResolver {
  @FieldResolver(() => [Money], { description: 'Billed cost the window holds after the sync, per currency' })
  totals(@Root() sync: CostSyncRow): Money[] {
    return moneyByCurrency(sync.totals);
  }

  @FieldResolver(() => [Money], { description: 'Billed cost of the rows superseded by file imports, per currency' })
  totalsSuperseded(@Root() sync: CostSyncRow): Money[] {
    return moneyByCurrency(sync.totalsSuperseded);
  }
}

const moneyByCurrency = (totals: Record<string, string>): Money[] =>
  Object.entries(totals)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([currency, amount]) => money(amount, currency)!);
