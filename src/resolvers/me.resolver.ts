import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import type { Context } from '../graphql/context.js';
import { getOrganization } from '../services/organizations.js';
import { Me, Organization } from '../schema/organization.js';

@Resolver()
export class MeResolver {
  @Authorized()
  @Query(() => Me, { description: 'Who is calling, with which role, in which organization' })
  async me(@Ctx() ctx: Context): Promise<Me> {
    const viewer = ctx.viewer!;
    const org = await getOrganization(ctx.db, viewer.orgId);
    const organization = Object.assign(new Organization(), { ...org, isDemo: org.isDemo === 'true' });
    return Object.assign(new Me(), { principalId: viewer.principalId, name: viewer.name, kind: viewer.kind, role: viewer.role, organization });
  }
}
