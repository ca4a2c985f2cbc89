import { Arg, Args, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { CostReportRow } from '../db/schema/index.js';
import type { Context } from '../graphql/context.js';
import { toConnection } from '../schema/common.js';
import { CostReport, CostReportConnection, CostReportsArgs } from '../schema/cost-report.js';
import { Project } from '../schema/project.js';

type Listed = Omit<CostReportRow, 'csv' | 'html'>;
const toReport = (r: Listed) =>
  Object.assign(new CostReport(), {
    id: r.id, projectId: r.projectId, month: r.month.slice(0, 7), createdAt: r.createdAt, updatedAt: r.updatedAt,
    csvUrl: `/reports/download?id=${r.id}&format=csv`, htmlUrl: `/reports/download?id=${r.id}&format=html`,
  });

@Resolver(() => CostReport)
export class CostReportResolver {
  @Authorized()
  @Query(() => CostReportConnection, { description: 'Monthly cost reports, newest month first' })
  async costReports(@Args(() => CostReportsArgs) { project, first, after }: CostReportsArgs, @Ctx() ctx: Context) {
    const page = await ctx.org().costReports.list(project ?? null, first, after);
    const nodes = page.nodes.map(toReport);
    const byId = new Map(page.nodes.map((n) => [n.id, n]));
    return toConnection({ ...page, nodes, cursorOf: (n) => page.cursorOf(byId.get(n.id)!) });
  }

  @Authorized('ANALYST')
  @Mutation(() => CostReport, { description: 'Renders (or re-renders) a month for a project now; a monthly job does last month for every project' })
  async generateCostReport(@Arg('project', () => String) project: string, @Arg('month', () => String, { description: 'YYYY-MM' }) month: string, @Ctx() ctx: Context) {
    return toReport(await ctx.org().costReports.generate(project, month));
  }

  @FieldResolver(() => Project)
  project(@Root() report: CostReport, @Ctx() ctx: Context) {
    return ctx.org().loaders.project.load(report.projectId);
  }
}
