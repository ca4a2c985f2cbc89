import { Arg, Args, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../graphql/context.js';
import { money, toConnection } from '../schema/common.js';
import {
  RequiredTagKeysInput, TagComplianceArgs, TagComplianceGroup, TagComplianceGroupConnection, TagCompliancePageArgs, TagComplianceReport, TagComplianceTotal,
} from '../schema/tag-compliance.js';
import { checkWindow, type ComplianceGroup, type ComplianceTotal } from '../services/tag-compliance.js';

const toTotal = (t: ComplianceTotal) =>
  Object.assign(new TagComplianceTotal(), {
    total: money(t.total, t.currency)!, untagged: money(t.untagged, t.currency)!, untaggedShare: t.untaggedShare, rows: t.rows, untaggedRows: t.untaggedRows,
  });

const toGroup = (g: ComplianceGroup) => Object.assign(new TagComplianceGroup(), { ...g, amount: money(g.amount, g.currency)! });

@Resolver(() => TagComplianceReport)
export class TagComplianceResolver {
  @Authorized()
  @Query(() => [String], { description: 'Tag keys every billed resource should carry' })
  requiredTagKeys(@Ctx() ctx: Context) {
    return ctx.org().tagCompliance.requiredKeys();
  }

  @Authorized('ADMIN')
  @Mutation(() => [String], { description: 'Replaces the required tag keys; answers the new set' })
  setRequiredTagKeys(@Arg('input', () => RequiredTagKeysInput) input: RequiredTagKeysInput, @Ctx() ctx: Context) {
    return ctx.org().tagCompliance.setRequiredKeys(input.keys);
  }

  @Authorized()
  @Query(() => TagComplianceReport, { description: 'Spend on bill lines missing required tag keys, by period, resource group and service' })
  async tagCompliance(@Args(() => TagComplianceArgs) { from, to, granularity }: TagComplianceArgs, @Ctx() ctx: Context) {
    checkWindow({ from, to });
    const requiredKeys = await ctx.org().tagCompliance.requiredKeys();
    return Object.assign(new TagComplianceReport(), { requiredKeys, from, to, granularity, window: { from, to } });
  }

  @FieldResolver(() => [TagComplianceTotal], { description: 'Per currency' })
  async totals(@Root() report: TagComplianceReport, @Ctx() ctx: Context) {
    return (await ctx.org().tagCompliance.totals(report.window)).map(toTotal);
  }

  @FieldResolver(() => TagComplianceGroupConnection)
  async groups(@Root() report: TagComplianceReport, @Args(() => TagCompliancePageArgs) { first, after }: TagCompliancePageArgs, @Ctx() ctx: Context) {
    const page = await ctx.org().tagCompliance.groups(report.window, report.granularity, first, after);
    const nodes = page.nodes.map(toGroup);
    const byNode = new Map(nodes.map((n, i) => [n as unknown, page.nodes[i]]));
    return toConnection({ ...page, nodes, cursorOf: (n) => page.cursorOf(byNode.get(n)!) });
  }
}
