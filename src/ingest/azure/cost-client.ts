import { CostManagementClient } from '@azure/arm-costmanagement';
import { AzureAuthorityHosts, ClientSecretCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { silentLogger, type AzureIngestLogger } from './log.js';
import { QpuBudget } from './qpu-budget.js';
import { addThrottlePolicy, type ThrottlePolicyOptions } from './throttle.js';

export const PUBLIC_ARM_ENDPOINT = 'https://management.azure.com';
/**
 * The SDK (1.0.0-beta.2) defaults to 2022-10-01; 2023-11-01 is the current stable Query API
 * (the version of the recorded fixtures), where ActualCost/AmortizedCost report `Cost`/`CostUSD`.
 */
export const COST_MANAGEMENT_API_VERSION = '2023-11-01';

export type AzureCredentialConfig =
  | {
      kind: 'clientSecret';
      tenantId: string;
      clientId: string;
      clientSecret: string;
      /** Entra authority, default https://login.microsoftonline.com (sovereign clouds and tests override it). */
      authorityHost?: string;
      /**
       * Skip MSAL's instance discovery. MSAL validates any authority outside its built-in list by
       * asking https://login.microsoftonline.com/common/discovery/instance (a fixed host, not
       * `authorityHost`), so a private cloud or a local fake needs this set to true.
       */
      disableInstanceDiscovery?: boolean;
    }
  | {
      kind: 'managedIdentity';
      /** A user-assigned identity's client id; omit for the system-assigned identity. */
      clientId?: string;
    };

export interface CostClientConfig {
  credential: AzureCredentialConfig;
  /** ARM endpoint, default public cloud. The token scope follows it (`<endpoint>/.default`). */
  armEndpoint?: string;
  apiVersion?: string;
  /** How 429s are waited out; see throttle.ts. */
  throttle?: Omit<ThrottlePolicyOptions, 'budget' | 'logger'>;
  /** QPU budget; by default one per tenant in this process, since the quota is per tenant. */
  budget?: QpuBudget;
  logger?: AzureIngestLogger;
}

const budgetsByTenant = new Map<string, QpuBudget>();

function sharedBudget(key: string): QpuBudget {
  let budget = budgetsByTenant.get(key);
  if (!budget) budgetsByTenant.set(key, (budget = new QpuBudget()));
  return budget;
}

/** The Entra credential for a config. Errors name the missing/invalid field, never a secret value. */
export function createAzureCredential(config: AzureCredentialConfig): TokenCredential {
  if (config.kind === 'managedIdentity') {
    return config.clientId ? new ManagedIdentityCredential({ clientId: config.clientId }) : new ManagedIdentityCredential();
  }
  for (const field of ['tenantId', 'clientId', 'clientSecret'] as const) {
    if (typeof config[field] !== 'string' || config[field].trim() === '') {
      throw new Error(`Azure client-secret credential: ${field} is missing or empty`);
    }
  }
  const authorityHost = httpsUrl('authorityHost', config.authorityHost ?? AzureAuthorityHosts.AzurePublicCloud);
  return new ClientSecretCredential(config.tenantId, config.clientId, config.clientSecret, {
    authorityHost,
    disableInstanceDiscovery: config.disableInstanceDiscovery ?? false,
  });
}

/**
 * A CostManagementClient on the real SDK pipeline (bearer auth, default retry) plus the Cost
 * Management throttle policy and QPU budget.
 */
export function createCostManagementClient(config: CostClientConfig): CostManagementClient {
  const logger = config.logger ?? silentLogger;
  const endpoint = httpsUrl('armEndpoint', config.armEndpoint ?? PUBLIC_ARM_ENDPOINT);
  const credential = createAzureCredential(config.credential);
  const client = new CostManagementClient(credential, {
    endpoint,
    // the SDK derives `<endpoint>/.default` too; stated so a trailing-slash endpoint cannot produce `//.default`
    credentialScopes: [`${endpoint}/.default`],
    apiVersion: config.apiVersion ?? COST_MANAGEMENT_API_VERSION,
  });
  const budget =
    config.budget ?? sharedBudget(config.credential.kind === 'clientSecret' ? `tenant:${config.credential.tenantId.toLowerCase()}` : 'managed-identity');
  addThrottlePolicy(client.pipeline, { ...config.throttle, budget, logger });
  logger.debug(
    {
      armEndpoint: endpoint,
      credential: config.credential.kind,
      tenantId: config.credential.kind === 'clientSecret' ? config.credential.tenantId : undefined,
      clientId: config.credential.clientId,
    },
    'Cost Management client created',
  );
  return client;
}

/** An https origin(+path) without trailing slash; the SDK appends paths and `/.default` to it. */
function httpsUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} ${JSON.stringify(value)} is not a URL`);
  }
  if (url.protocol !== 'https:') throw new Error(`${name} ${JSON.stringify(value)} must use https (tokens are sent to it)`);
  if (url.search || url.hash || url.username || url.password) throw new Error(`${name} ${JSON.stringify(value)} must not carry a query, fragment or credentials`);
  return url.toString().replace(/\/+$/, '');
}
