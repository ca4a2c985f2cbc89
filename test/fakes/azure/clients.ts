import type { CostManagementClient } from '@azure/arm-costmanagement';
import { createCostManagementClient, type CostClientConfig } from '../../../src/ingest/azure/cost-client.js';
import { QpuBudget } from '../../../src/ingest/azure/qpu-budget.js';
import type { FakeAzure } from './server.js';

/**
 * The production client factory, pointed at the fake: real ClientSecretCredential (MSAL) against
 * the fake Entra, real CostManagementClient against the fake ARM. Each client gets its own QPU
 * budget unless one is passed, so tests in one process do not queue behind each other's quota.
 */
export function costClientForFake(fake: FakeAzure, overrides: Partial<CostClientConfig> & { clientSecret?: string } = {}): CostManagementClient {
  const { clientSecret, ...rest } = overrides;
  return createCostManagementClient({
    armEndpoint: fake.armEndpoint,
    credential: {
      kind: 'clientSecret',
      tenantId: fake.tenantId,
      clientId: fake.clientId,
      clientSecret: clientSecret ?? fake.clientSecret,
      authorityHost: fake.authorityHost,
      // MSAL would otherwise validate the authority at login.microsoftonline.com (unreachable here)
      disableInstanceDiscovery: true,
    },
    budget: new QpuBudget(),
    ...rest,
  });
}
