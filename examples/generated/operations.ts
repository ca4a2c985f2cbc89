export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  DateTime: { input: string; output: string; }
  Decimal: { input: string; output: string; }
  JSONObject: { input: Record<string, unknown>; output: Record<string, unknown>; }
  SafeInt: { input: number; output: number; }
};

/** Something a listener must hear about once: a budget threshold crossed, an anomaly, estimate drift. */
export type Alert = {
  __typename?: 'Alert';
  acknowledgedAt?: Maybe<Scalars['DateTime']['output']>;
  /** The principal (user or API key) that acknowledged it */
  acknowledgedBy?: Maybe<Scalars['ID']['output']>;
  /** Names the occurrence: the same key is raised once */
  dedupeKey: Scalars['String']['output'];
  details: Scalars['JSONObject']['output'];
  id: Scalars['ID']['output'];
  kind: AlertKind;
  message: Scalars['String']['output'];
  raisedAt: Scalars['DateTime']['output'];
  resolution?: Maybe<Scalars['String']['output']>;
  resolvedAt?: Maybe<Scalars['DateTime']['output']>;
  resolvedBy?: Maybe<Scalars['ID']['output']>;
  severity: AlertSeverity;
  state: AlertState;
  /** What it is about, e.g. { budgetId } or { runId, pipeline } */
  subject: Scalars['JSONObject']['output'];
  title: Scalars['String']['output'];
};

export type AlertConnection = {
  __typename?: 'AlertConnection';
  edges: Array<AlertEdge>;
  pageInfo: PageInfo;
};

export type AlertEdge = {
  __typename?: 'AlertEdge';
  cursor: Scalars['String']['output'];
  node: Alert;
};

export type AlertKind =
  | 'ANOMALY'
  | 'BUDGET_ACTUAL'
  | 'BUDGET_FORECAST'
  | 'ESTIMATE_DRIFT';

/** INFO < WARNING < CRITICAL */
export type AlertSeverity =
  | 'CRITICAL'
  | 'INFO'
  | 'WARNING';

/** OPEN → ACKNOWLEDGED → RESOLVED (or OPEN → RESOLVED) */
export type AlertState =
  | 'ACKNOWLEDGED'
  | 'OPEN'
  | 'RESOLVED';

/** One day's cost of one dimension value that stood out from its own recent history */
export type Anomaly = {
  __typename?: 'Anomaly';
  actual: Money;
  /** The ANOMALY alert it raised (none during a cooldown) */
  alertId?: Maybe<Scalars['ID']['output']>;
  /** Top contributing values of other dimensions, by impact */
  contributors: Array<AnomalyContributorView>;
  /** YYYY-MM-DD (UTC) */
  day: Scalars['String']['output'];
  dimension: AnomalyDimension;
  /** Tag key for TAG, '' otherwise */
  dimensionKey: Scalars['String']['output'];
  dimensionValue: Scalars['String']['output'];
  /** Median of the history window */
  expected: Money;
  feedback?: Maybe<AnomalyFeedback>;
  feedbackAt?: Maybe<Scalars['DateTime']['output']>;
  feedbackBy?: Maybe<Scalars['ID']['output']>;
  feedbackNote?: Maybe<Scalars['String']['output']>;
  historyDays: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
  /** actual − expected */
  impact: Money;
  /** Robust z-score: (actual − median) / (1.4826 × MAD) */
  score: Scalars['Float']['output'];
  severity: AlertSeverity;
};

export type AnomalyConnection = {
  __typename?: 'AnomalyConnection';
  edges: Array<AnomalyEdge>;
  pageInfo: PageInfo;
};

/** A dimension value that drove an anomaly */
export type AnomalyContributorView = {
  __typename?: 'AnomalyContributorView';
  actual: Money;
  dimension: AnomalyDimension;
  expected: Money;
  impact: Money;
  /** Tag key for TAG, '' otherwise */
  key: Scalars['String']['output'];
  value: Scalars['String']['output'];
};

/** What an anomaly is about. PROJECT and PIPELINE from reconciled runs; the others from bill lines */
export type AnomalyDimension =
  | 'ORGANIZATION'
  | 'PIPELINE'
  | 'PROJECT'
  | 'RESOURCE_GROUP'
  | 'SERVICE'
  | 'TAG';

export type AnomalyEdge = {
  __typename?: 'AnomalyEdge';
  cursor: Scalars['String']['output'];
  node: Anomaly;
};

/** EXPECTED: real but planned; NOT_ANOMALY: the detector was wrong */
export type AnomalyFeedback =
  | 'EXPECTED'
  | 'NOT_ANOMALY';

/** An API key as stored: its visible prefix, never the secret. */
export type ApiKey = {
  __typename?: 'ApiKey';
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  /** The first characters of the key, to tell keys apart */
  prefix: Scalars['String']['output'];
  role: Role;
};

/** ACTUAL_COST as billed; AMORTIZED_COST spreads reservation and savings-plan purchases over their term */
export type AzureCostType =
  | 'ActualCost'
  | 'AmortizedCost';

/** A spending limit over a scope and a period, with alert thresholds. */
export type Budget = {
  __typename?: 'Budget';
  amount: Money;
  createdAt: Scalars['DateTime']['output'];
  /** CUSTOM periods only; exclusive */
  endsAt?: Maybe<Scalars['DateTime']['output']>;
  /** Forecast for the current period */
  forecast: BudgetForecastView;
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  period: BudgetPeriod;
  scope: BudgetScopeView;
  /** Spend in the current period (the one containing now) */
  spend: BudgetSpendView;
  /** CUSTOM periods only */
  startsAt?: Maybe<Scalars['DateTime']['output']>;
  thresholds: Array<BudgetThresholdView>;
  updatedAt: Scalars['DateTime']['output'];
};

/** A budget threshold crossed: the alert, and the spend that crossed it */
export type BudgetBreach = {
  __typename?: 'BudgetBreach';
  alert: Alert;
  amount: Money;
  basis: ThresholdBasis;
  billed: Money;
  budgetId: Scalars['ID']['output'];
  budgetName: Scalars['String']['output'];
  committed: Money;
  /** FORECAST thresholds: the forecast that crossed it */
  forecast?: Maybe<Money>;
  percent: Scalars['Float']['output'];
  percentUsed: Scalars['Decimal']['output'];
  /** e.g. 2026-11, 2026-Q4, 2026 */
  period: Scalars['String']['output'];
  scope: BudgetScopeView;
  total: Money;
};

/** Spend expected by the end of the period: spend so far + forecast of the days left, with a 90% interval */
export type BudgetForecastView = {
  __typename?: 'BudgetForecastView';
  backtest: ForecastBacktestView;
  high: Money;
  /** Days of daily history the model learned from */
  historyDays: Scalars['Int']['output'];
  low: Money;
  /** Which model answered (the fallbacks say history was short) */
  method: ForecastMethod;
  value: Money;
};

/** Calendar periods in UTC, or CUSTOM with startsAt/endsAt */
export type BudgetPeriod =
  | 'CUSTOM'
  | 'MONTH'
  | 'QUARTER'
  | 'YEAR';

export type BudgetScopeInput = {
  kind: BudgetScopeKind;
  /** PIPELINE: the pipeline name, e.g. nf-core/rnaseq (every revision) */
  pipeline?: InputMaybe<Scalars['String']['input']>;
  /** PROJECT: the LIMS project code */
  projectCode?: InputMaybe<Scalars['String']['input']>;
  /** TAG: the key of a bill tag / run label */
  tagKey?: InputMaybe<Scalars['String']['input']>;
  /** TAG: the value it must have */
  tagValue?: InputMaybe<Scalars['String']['input']>;
};

/** What a budget covers: the whole organization, a project, a pipeline (every revision), or a tag/label key=value */
export type BudgetScopeKind =
  | 'ORGANIZATION'
  | 'PIPELINE'
  | 'PROJECT'
  | 'TAG';

export type BudgetScopeView = {
  __typename?: 'BudgetScopeView';
  kind: BudgetScopeKind;
  pipeline?: Maybe<Scalars['String']['output']>;
  projectCode?: Maybe<Scalars['String']['output']>;
  tagKey?: Maybe<Scalars['String']['output']>;
  tagValue?: Maybe<Scalars['String']['output']>;
};

/** Spend of a budget in one period: billed (from the bill) and committed (estimates of runs the bill does not cover yet), shown separately */
export type BudgetSpendView = {
  __typename?: 'BudgetSpendView';
  billed: Money;
  committed: Money;
  /** total × 100 / amount */
  percentUsed: Scalars['Decimal']['output'];
  /** Exclusive */
  periodEnd: Scalars['DateTime']['output'];
  periodStart: Scalars['DateTime']['output'];
  /** billed + committed */
  total: Money;
};

export type BudgetThresholdInput = {
  basis?: ThresholdBasis;
  /** Percent of the amount, above 0 and at most 500 (e.g. 80) */
  percent: Scalars['Float']['input'];
};

export type BudgetThresholdView = {
  __typename?: 'BudgetThresholdView';
  basis: ThresholdBasis;
  /** Percent of the amount, above 0 and at most 500 */
  percent: Scalars['Float']['output'];
};

/** An Azure Cost Management connection. Its client secret is write-only: no field returns it. */
export type CostConnection = {
  __typename?: 'CostConnection';
  auth: CostConnectionAuth;
  clientId?: Maybe<Scalars['String']['output']>;
  costType: AzureCostType;
  createdAt: Scalars['DateTime']['output'];
  groupBy?: Maybe<CostGrouping>;
  id: Scalars['ID']['output'];
  /** Why the last sync failed; null after a success */
  lastError?: Maybe<Scalars['String']['output']>;
  /** Outcome of the last finished sync; null before the first */
  lastStatus?: Maybe<CostSyncStatus>;
  lastSyncAt?: Maybe<Scalars['DateTime']['output']>;
  name: Scalars['String']['output'];
  /** e.g. azure */
  provider: Scalars['String']['output'];
  /** /subscriptions/…, /subscriptions/…/resourceGroups/… or /providers/Microsoft.Billing/billingAccounts/… */
  scope: Scalars['String']['output'];
  tenantId?: Maybe<Scalars['String']['output']>;
  updatedAt: Scalars['DateTime']['output'];
  /** Days re-pulled (and replaced) by each scheduled sync: Azure revises costs for about 72 hours */
  windowDays: Scalars['Int']['output'];
};

/** CLIENT_SECRET: an Entra app registration and its secret; MANAGED_IDENTITY: the identity of the machine the worker runs on */
export type CostConnectionAuth =
  | 'CLIENT_SECRET'
  | 'MANAGED_IDENTITY';

/** What cost groups are keyed by. Days and months are UTC, of the charge period start. */
export type CostDimension =
  /** keys.day, YYYY-MM-DD */
  | 'DAY'
  /** keys.month, YYYY-MM */
  | 'MONTH'
  /** keys.provider: azure, aws, gcp, oci… */
  | 'PROVIDER'
  /** keys.region: the region id */
  | 'REGION'
  /** keys.resource: the resource id */
  | 'RESOURCE'
  /** keys.resourceGroup (Azure resource groups are lower-case) */
  | 'RESOURCE_GROUP'
  /** keys.service: the service name */
  | 'SERVICE'
  /** keys.subAccount: the sub-account (subscription) id */
  | 'SUB_ACCOUNT'
  /** keys.tags: the value of the tag named by tagKey (null when a row lacks it) */
  | 'TAG';

export type CostFilterInput = {
  /** Charge periods starting at or after */
  from?: InputMaybe<Scalars['DateTime']['input']>;
  /** Any of these providers: azure, aws, gcp, oci (FOCUS names such as Microsoft also match) */
  provider?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Any of these region ids, e.g. westeurope */
  region?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Any of these resource groups (case-insensitive) */
  resourceGroup?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Any of these service names, e.g. "Virtual Machines" */
  service?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Any of these sub-accounts (subscriptions), by id or by name */
  subAccount?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Every given tag must match exactly, e.g. {"project": "P-001"} */
  tags?: InputMaybe<Scalars['JSONObject']['input']>;
  /** Charge periods starting before (half-open) */
  to?: InputMaybe<Scalars['DateTime']['input']>;
};

/** Billed cost of the rows sharing one key, in one currency. */
export type CostGroup = {
  __typename?: 'CostGroup';
  /** Summed in Postgres numeric; a key with costs in two currencies is two groups */
  amount: Money;
  keys: CostGroupKeys;
  /** Cost records in the group */
  rows: Scalars['Int']['output'];
};

/** One grouping dimension. TAG takes the tag key; no other dimension does. */
export type CostGroupByInput = {
  dimension: CostDimension;
  /** Required with TAG, e.g. "project" */
  tagKey?: InputMaybe<Scalars['String']['input']>;
};

export type CostGroupConnection = {
  __typename?: 'CostGroupConnection';
  edges: Array<CostGroupEdge>;
  pageInfo: PageInfo;
  /** Per currency, over everything the filter matches (not only this page) */
  totals: Array<CostTotal>;
};

export type CostGroupEdge = {
  __typename?: 'CostGroupEdge';
  cursor: Scalars['String']['output'];
  node: CostGroup;
};

/** The key of a group: the fields of the dimensions grouped by; the others are null. */
export type CostGroupKeys = {
  __typename?: 'CostGroupKeys';
  /** UTC day, YYYY-MM-DD */
  day?: Maybe<Scalars['String']['output']>;
  /** UTC month, YYYY-MM */
  month?: Maybe<Scalars['String']['output']>;
  provider?: Maybe<Scalars['String']['output']>;
  region?: Maybe<Scalars['String']['output']>;
  resource?: Maybe<Scalars['String']['output']>;
  resourceGroup?: Maybe<Scalars['String']['output']>;
  service?: Maybe<Scalars['String']['output']>;
  subAccount?: Maybe<Scalars['String']['output']>;
  /** One per TAG grouping, in the order asked */
  tags?: Maybe<Array<CostTagValue>>;
};

/** The second grouping of a Cost Management query, besides ResourceId. */
export type CostGrouping = {
  __typename?: 'CostGrouping';
  /** A dimension (ServiceName, ResourceLocation, Meter, …) or a tag key */
  name: Scalars['String']['output'];
  type: CostGroupingType;
};

export type CostGroupingInput = {
  name: Scalars['String']['input'];
  type: CostGroupingType;
};

export type CostGroupingType =
  | 'Dimension'
  | 'TagKey';

/** One cost file import (CLI or HTTP upload). */
export type CostImport = {
  __typename?: 'CostImport';
  /** Why it FAILED */
  error?: Maybe<Scalars['String']['output']>;
  fileName?: Maybe<Scalars['String']['output']>;
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  /** format/variant, e.g. azure/ea; null until the header is read */
  format?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  /** Quarantined rows, by line */
  rejects: CostImportRejectConnection;
  /** null unless SUCCEEDED */
  report?: Maybe<CostImportReport>;
  startedAt: Scalars['DateTime']['output'];
  status: CostImportStatus;
};


/** One cost file import (CLI or HTTP upload). */
export type CostImportRejectsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: Scalars['Int']['input'];
};

export type CostImportConnection = {
  __typename?: 'CostImportConnection';
  edges: Array<CostImportEdge>;
  pageInfo: PageInfo;
};

export type CostImportEdge = {
  __typename?: 'CostImportEdge';
  cursor: Scalars['String']['output'];
  node: CostImport;
};

/** A row of a cost file that could not be used, kept with its line and the reason. */
export type CostImportReject = {
  __typename?: 'CostImportReject';
  /** 1-based line in the file (the header is line 1) */
  line: Scalars['Int']['output'];
  raw: Scalars['String']['output'];
  reason: Scalars['String']['output'];
};

export type CostImportRejectConnection = {
  __typename?: 'CostImportRejectConnection';
  edges: Array<CostImportRejectEdge>;
  pageInfo: PageInfo;
};

export type CostImportRejectEdge = {
  __typename?: 'CostImportRejectEdge';
  cursor: Scalars['String']['output'];
  node: CostImportReject;
};

/** What a successful import did. */
export type CostImportReport = {
  __typename?: 'CostImportReport';
  /** azure or focus */
  format: Scalars['String']['output'];
  /** Latest charge period end */
  periodEnd?: Maybe<Scalars['DateTime']['output']>;
  /** Earliest charge period start */
  periodStart?: Maybe<Scalars['DateTime']['output']>;
  /** New cost records */
  rowsLoaded: Scalars['Int']['output'];
  /** Rows that could not be read; see rejects */
  rowsQuarantined: Scalars['Int']['output'];
  /** Data records in the file (loaded, unchanged and quarantined) */
  rowsRead: Scalars['Int']['output'];
  /** Rows already stored by an earlier import */
  rowsUnchanged: Scalars['Int']['output'];
  /** Billed cost per currency over the file's rows (new and unchanged) */
  totals: Array<CostTotal>;
  /** The header dialect, e.g. ea, mca, focus-1.0 */
  variant: Scalars['String']['output'];
};

/** RUNNING, then SUCCEEDED (everything loaded) or FAILED (nothing loaded) */
export type CostImportStatus =
  | 'FAILED'
  | 'RUNNING'
  | 'SUCCEEDED';

/** One sync of a connection: the window it replaced and what it found. */
export type CostSync = {
  __typename?: 'CostSync';
  connectionId: Scalars['ID']['output'];
  createdAt: Scalars['DateTime']['output'];
  durationMs?: Maybe<Scalars['Int']['output']>;
  /** Why it failed */
  error?: Maybe<Scalars['String']['output']>;
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  /** The pg-boss job that runs it */
  jobId?: Maybe<Scalars['String']['output']>;
  /** HTTP requests sent to Cost Management, throttled and retried ones included */
  requests: Scalars['Int']['output'];
  /** Cost rows the window holds after the sync */
  rows: Scalars['Int']['output'];
  startedAt?: Maybe<Scalars['DateTime']['output']>;
  status: CostSyncStatus;
  /** Billed cost the window holds after the sync, per currency */
  totals: Array<Money>;
  /** End of the window (UTC midnight, exclusive) */
  windowEnd: Scalars['DateTime']['output'];
  /** First day replaced (UTC midnight, inclusive) */
  windowStart: Scalars['DateTime']['output'];
};

export type CostSyncConnection = {
  __typename?: 'CostSyncConnection';
  edges: Array<CostSyncEdge>;
  pageInfo: PageInfo;
};

export type CostSyncEdge = {
  __typename?: 'CostSyncEdge';
  cursor: Scalars['String']['output'];
  node: CostSync;
};

export type CostSyncRequest = {
  __typename?: 'CostSyncRequest';
  jobId: Scalars['String']['output'];
  /** The QUEUED sync; poll costSyncs for its outcome */
  sync: CostSync;
  syncId: Scalars['ID']['output'];
};

/** QUEUED, then RUNNING, then SUCCEEDED or FAILED */
export type CostSyncStatus =
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

export type CostTagValue = {
  __typename?: 'CostTagValue';
  key: Scalars['String']['output'];
  value?: Maybe<Scalars['String']['output']>;
};

/** Billed cost in one currency. */
export type CostTotal = {
  __typename?: 'CostTotal';
  amount: Money;
  /** Cost records counted */
  rows: Scalars['Int']['output'];
};

export type CreateApiKeyInput = {
  name: Scalars['String']['input'];
  role: Role;
};

export type CreateBudgetInput = {
  /** Greater than 0 */
  amount: Scalars['Decimal']['input'];
  /** ISO 4217; default: the organization's currency */
  currency?: InputMaybe<Scalars['String']['input']>;
  /** CUSTOM periods only; exclusive */
  endsAt?: InputMaybe<Scalars['DateTime']['input']>;
  name: Scalars['String']['input'];
  period: BudgetPeriod;
  scope: BudgetScopeInput;
  /** CUSTOM periods only */
  startsAt?: InputMaybe<Scalars['DateTime']['input']>;
  thresholds?: Array<BudgetThresholdInput>;
};

/** The client secret is not in here but a separate argument of createCostConnection. */
export type CreateCostConnectionInput = {
  auth?: CostConnectionAuth;
  /** Application (client) id; with MANAGED_IDENTITY, a user-assigned identity (omit for system-assigned) */
  clientId?: InputMaybe<Scalars['String']['input']>;
  /** Default ACTUAL_COST */
  costType?: InputMaybe<AzureCostType>;
  groupBy?: InputMaybe<CostGroupingInput>;
  name: Scalars['String']['input'];
  /** /subscriptions/<id>, /subscriptions/<id>/resourceGroups/<name> or /providers/Microsoft.Billing/billingAccounts/<id> */
  scope: Scalars['String']['input'];
  /** Directory (tenant) id; required with CLIENT_SECRET */
  tenantId?: InputMaybe<Scalars['String']['input']>;
  /** Days each scheduled sync re-pulls, 1-31 (default 5) */
  windowDays?: InputMaybe<Scalars['Int']['input']>;
};

export type CreateProjectInput = {
  code: Scalars['String']['input'];
  costCentre?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
};

export type CreateWebhookChannelInput = {
  format?: WebhookFormat;
  /** Only these kinds (default: all) */
  kinds?: InputMaybe<Array<AlertKind>>;
  /** At least this severity (default INFO) */
  minSeverity?: InputMaybe<AlertSeverity>;
  name: Scalars['String']['input'];
  /** http(s) URL the alerts are POSTed to */
  url: Scalars['String']['input'];
};

export type CreatedApiKey = {
  __typename?: 'CreatedApiKey';
  apiKey: ApiKey;
  /** The secret key. Shown this once: store it now. */
  key: Scalars['String']['output'];
};

export type CreatedWebhookChannel = {
  __typename?: 'CreatedWebhookChannel';
  channel: WebhookChannel;
  /** The HMAC-SHA256 signing secret: shown once, now */
  secret: Scalars['String']['output'];
};

export type DeclarePoolInput = {
  name: Scalars['String']['input'];
  priority?: InputMaybe<VmPriority>;
  provider?: InputMaybe<Scalars['String']['input']>;
  /** e.g. westeurope */
  region: Scalars['String']['input'];
  resourceId?: InputMaybe<Scalars['String']['input']>;
  /** e.g. Standard_D4s_v3 */
  vmSize: Scalars['String']['input'];
};

/** How the forecast model did on this scope’s own past: forecasting each of the last weeks from the days before it */
export type ForecastBacktestView = {
  __typename?: 'ForecastBacktestView';
  /** Σforecast / Σactual − 1 */
  bias?: Maybe<Scalars['Float']['output']>;
  /** Share of weeks whose actual fell inside the 90% interval */
  coverage?: Maybe<Scalars['Float']['output']>;
  horizonDays: Scalars['Int']['output'];
  /** Mean absolute percentage error of the weekly totals, as a fraction (0.1 = 10%) */
  mape?: Maybe<Scalars['Float']['output']>;
  /** Weeks scored */
  n: Scalars['Int']['output'];
};

/** SEASONAL_TREND: weekly seasonality + linear trend (21+ days of history); SIMPLE_TREND: linear trend (7-20 days); RUN_RATE: average daily spend (less) */
export type ForecastMethod =
  | 'RUN_RATE'
  | 'SEASONAL_TREND'
  | 'SIMPLE_TREND';

/** The caller: a user (JWT) or an API key, in one organization. */
export type Me = {
  __typename?: 'Me';
  /** USER or API_KEY */
  kind: Scalars['String']['output'];
  name: Scalars['String']['output'];
  organization: Organization;
  principalId: Scalars['ID']['output'];
  role: Role;
};

/** An amount with its currency. */
export type Money = {
  __typename?: 'Money';
  amount: Scalars['Decimal']['output'];
  /** ISO 4217 code */
  currency: Scalars['String']['output'];
};

export type Mutation = {
  __typename?: 'Mutation';
  /** OPEN → ACKNOWLEDGED, recording who and when; CONFLICT from any other state */
  acknowledgeAlert: Alert;
  /** The key is in this answer only; it cannot be read again */
  createApiKey: CreatedApiKey;
  createBudget: Budget;
  /** Connects an Azure scope; sync it with syncCostConnection, or wait for the schedule */
  createCostConnection: CostConnection;
  createProject: Project;
  /** The signing secret is in the answer, once */
  createWebhookChannel: CreatedWebhookChannel;
  /** Declares (or redeclares) a pool by name: its VM size, region and pricing tier */
  declarePool: Pool;
  /** Returns the deleted id; alerts it raised stay */
  deleteBudget: Scalars['ID']['output'];
  /** Deletes the channel and its delivery log */
  deleteWebhookChannel: Scalars['ID']['output'];
  /** Marks an anomaly expected or not an anomaly; who, when and why are kept */
  markAnomaly: Anomaly;
  /** A LIMS announces a run before launch and gets the id to pass to Nextflow */
  registerRun: Run;
  /** OPEN or ACKNOWLEDGED → RESOLVED, recording who, when and why; CONFLICT when already resolved */
  resolveAlert: Alert;
  /** Queues a sync that replaces [from, to) (UTC midnights; default the connection window, today included) with what Azure reports now */
  syncCostConnection: CostSyncRequest;
  updateBudget: Budget;
  updateWebhookChannel: WebhookChannel;
};


export type MutationAcknowledgeAlertArgs = {
  id: Scalars['ID']['input'];
};


export type MutationCreateApiKeyArgs = {
  input: CreateApiKeyInput;
};


export type MutationCreateBudgetArgs = {
  input: CreateBudgetInput;
};


export type MutationCreateCostConnectionArgs = {
  clientSecret?: InputMaybe<Scalars['String']['input']>;
  input: CreateCostConnectionInput;
};


export type MutationCreateProjectArgs = {
  input: CreateProjectInput;
};


export type MutationCreateWebhookChannelArgs = {
  input: CreateWebhookChannelInput;
};


export type MutationDeclarePoolArgs = {
  input: DeclarePoolInput;
};


export type MutationDeleteBudgetArgs = {
  id: Scalars['ID']['input'];
};


export type MutationDeleteWebhookChannelArgs = {
  id: Scalars['ID']['input'];
};


export type MutationMarkAnomalyArgs = {
  feedback: AnomalyFeedback;
  id: Scalars['ID']['input'];
  note?: InputMaybe<Scalars['String']['input']>;
};


export type MutationRegisterRunArgs = {
  input: RegisterRunInput;
};


export type MutationResolveAlertArgs = {
  id: Scalars['ID']['input'];
  resolution?: InputMaybe<Scalars['String']['input']>;
};


export type MutationSyncCostConnectionArgs = {
  from?: InputMaybe<Scalars['DateTime']['input']>;
  id: Scalars['ID']['input'];
  to?: InputMaybe<Scalars['DateTime']['input']>;
};


export type MutationUpdateBudgetArgs = {
  id: Scalars['ID']['input'];
  input: UpdateBudgetInput;
};


export type MutationUpdateWebhookChannelArgs = {
  id: Scalars['ID']['input'];
  input: UpdateWebhookChannelInput;
};

export type Organization = {
  __typename?: 'Organization';
  /** ISO 4217 currency amounts are reported in */
  currency: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  /** True for the organization created on first start, filled with demo data */
  isDemo: Scalars['Boolean']['output'];
  name: Scalars['String']['output'];
  slug: Scalars['String']['output'];
};

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

export type Pipeline = {
  __typename?: 'Pipeline';
  id: Scalars['ID']['output'];
  /** e.g. nf-core/rnaseq */
  name: Scalars['String']['output'];
  /** '' when unknown */
  revision: Scalars['String']['output'];
};

/** A compute pool: tasks that ran on it are priced at its VM size and tier. */
export type Pool = {
  __typename?: 'Pool';
  id: Scalars['ID']['output'];
  /** As Nextflow reports it (the queue / Batch pool id) */
  name: Scalars['String']['output'];
  priority: VmPriority;
  provider: Scalars['String']['output'];
  region: Scalars['String']['output'];
  resourceId?: Maybe<Scalars['String']['output']>;
  vmSize: Scalars['String']['output'];
};

/** One process of a run: its tasks' use, summed in SQL. */
export type ProcessSummary = {
  __typename?: 'ProcessSummary';
  completed: Scalars['Int']['output'];
  /** Σ realtime × requested cpus, hours */
  cpuHours: Scalars['Float']['output'];
  failed: Scalars['Int']['output'];
  meanCpuPercent?: Maybe<Scalars['Float']['output']>;
  name: Scalars['String']['output'];
  /** Largest peak RSS, bytes */
  peakRssBytes?: Maybe<Scalars['Float']['output']>;
  realtimeHours: Scalars['Float']['output'];
  /** Largest memory request, bytes */
  requestedMemoryBytes?: Maybe<Scalars['Float']['output']>;
  tasks: Scalars['Int']['output'];
};

/** A LIMS project or cost centre. */
export type Project = {
  __typename?: 'Project';
  /** The LIMS's own key, unique in the organization */
  code: Scalars['String']['output'];
  costCentre?: Maybe<Scalars['String']['output']>;
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
};

export type Query = {
  __typename?: 'Query';
  /** NOT_FOUND when no alert of your organization has this id */
  alert: Alert;
  /** Oldest first; a listener that reconnects asks for what it missed with since */
  alerts: AlertConnection;
  /** Newest day first */
  anomalies: AnomalyConnection;
  /** NOT_FOUND when no budget of your organization has this id */
  budget: Budget;
  /** By name */
  budgets: Array<Budget>;
  /** NOT_FOUND when no connection of your organization has this id */
  costConnection: CostConnection;
  /** The organization's Azure Cost Management connections */
  costConnections: Array<CostConnection>;
  /** NOT_FOUND when no cost import of your organization has this id */
  costImport: CostImport;
  /** Cost file imports, newest first */
  costImports: CostImportConnection;
  /** A connection's syncs, newest first */
  costSyncs: CostSyncConnection;
  /** Billed cost grouped by the dimensions asked and by currency, ordered by the group keys */
  costs: CostGroupConnection;
  /** Who is calling, with which role, in which organization */
  me: Me;
  /** The organization's declared compute pools */
  pools: Array<Pool>;
  /** NOT_FOUND when no project of your organization has this code */
  project: Project;
  projects: Array<Project>;
  /** NOT_FOUND when no run of your organization has this id */
  run: Run;
  /** Newest first */
  runs: RunConnection;
  webhookChannel: WebhookChannel;
  /** By name */
  webhookChannels: Array<WebhookChannel>;
};


export type QueryAlertArgs = {
  id: Scalars['ID']['input'];
};


export type QueryAlertsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: Scalars['Int']['input'];
  kinds?: InputMaybe<Array<AlertKind>>;
  since?: InputMaybe<Scalars['DateTime']['input']>;
  states?: InputMaybe<Array<AlertState>>;
};


export type QueryAnomaliesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  dimensions?: InputMaybe<Array<AnomalyDimension>>;
  first?: Scalars['Int']['input'];
  from?: InputMaybe<Scalars['String']['input']>;
  to?: InputMaybe<Scalars['String']['input']>;
};


export type QueryBudgetArgs = {
  id: Scalars['ID']['input'];
};


export type QueryCostConnectionArgs = {
  id: Scalars['ID']['input'];
};


export type QueryCostImportArgs = {
  id: Scalars['ID']['input'];
};


export type QueryCostImportsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: Scalars['Int']['input'];
};


export type QueryCostSyncsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  connectionId: Scalars['ID']['input'];
  first?: Scalars['Int']['input'];
};


export type QueryCostsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<CostFilterInput>;
  first?: Scalars['Int']['input'];
  groupBy?: Array<CostGroupByInput>;
};


export type QueryProjectArgs = {
  code: Scalars['String']['input'];
};


export type QueryRunArgs = {
  id: Scalars['ID']['input'];
};


export type QueryRunsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<RunFilterInput>;
  first?: Scalars['Int']['input'];
};


export type QueryWebhookChannelArgs = {
  id: Scalars['ID']['input'];
};

export type RegisterRunInput = {
  inputBytes?: InputMaybe<Scalars['SafeInt']['input']>;
  labels?: InputMaybe<Scalars['JSONObject']['input']>;
  /** Pipeline parameters, as passed to Nextflow */
  params?: InputMaybe<Scalars['JSONObject']['input']>;
  /** e.g. nf-core/rnaseq */
  pipeline: Scalars['String']['input'];
  /** The LIMS project code the run is charged to */
  projectCode: Scalars['String']['input'];
  /** Cloud region, e.g. westeurope */
  region?: InputMaybe<Scalars['String']['input']>;
  /** e.g. 3.14.0 */
  revision?: InputMaybe<Scalars['String']['input']>;
  runName?: InputMaybe<Scalars['String']['input']>;
  sampleCount?: InputMaybe<Scalars['Int']['input']>;
};

/** VIEWER < ANALYST < ADMIN: each role may do what the ones below it may. */
export type Role =
  | 'ADMIN'
  | 'ANALYST'
  | 'VIEWER';

/** One workflow execution. */
export type Run = {
  __typename?: 'Run';
  /** Reconciled from the bill */
  actualCost?: Maybe<Money>;
  completedAt?: Maybe<Scalars['DateTime']['output']>;
  createdAt: Scalars['DateTime']['output'];
  errorMessage?: Maybe<Scalars['String']['output']>;
  /** The current estimate */
  estimatedCost?: Maybe<Money>;
  executor?: Maybe<Scalars['String']['output']>;
  /** Pass this to Nextflow (e.g. --gct_run_id) to tie the execution to this run */
  id: Scalars['ID']['output'];
  inputBytes?: Maybe<Scalars['SafeInt']['output']>;
  labels: Scalars['JSONObject']['output'];
  params: Scalars['JSONObject']['output'];
  pipeline?: Maybe<Pipeline>;
  /** Per process: tasks, cpu-hours, memory requested vs peak */
  processes: Array<ProcessSummary>;
  /** null while the run is not tied to a project */
  project?: Maybe<Project>;
  region?: Maybe<Scalars['String']['output']>;
  runName?: Maybe<Scalars['String']['output']>;
  sampleCount?: Maybe<Scalars['Int']['output']>;
  /** Per sample (from task tags): tasks and cpu-hours */
  samples: Array<SampleSummary>;
  /** Nextflow's session id (the weblog runId) */
  sessionId?: Maybe<Scalars['String']['output']>;
  startedAt?: Maybe<Scalars['DateTime']['output']>;
  status: RunStatus;
  submittedAt?: Maybe<Scalars['DateTime']['output']>;
  taskCount: Scalars['Int']['output'];
  tasks: TaskConnection;
  updatedAt: Scalars['DateTime']['output'];
};


/** One workflow execution. */
export type RunTasksArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<TaskFilterInput>;
  first?: Scalars['Int']['input'];
};

export type RunConnection = {
  __typename?: 'RunConnection';
  edges: Array<RunEdge>;
  pageInfo: PageInfo;
};

export type RunEdge = {
  __typename?: 'RunEdge';
  cursor: Scalars['String']['output'];
  node: Run;
};

export type RunFilterInput = {
  /** Created at or after */
  createdFrom?: InputMaybe<Scalars['DateTime']['input']>;
  /** Created before */
  createdTo?: InputMaybe<Scalars['DateTime']['input']>;
  /** Every given label must match exactly */
  labels?: InputMaybe<Scalars['JSONObject']['input']>;
  /** Pipeline name, e.g. nf-core/rnaseq */
  pipeline?: InputMaybe<Scalars['String']['input']>;
  projectCode?: InputMaybe<Scalars['String']['input']>;
  status?: InputMaybe<Array<RunStatus>>;
  /** Only runs not tied to any project */
  unassigned?: InputMaybe<Scalars['Boolean']['input']>;
};

/** REGISTERED by a LIMS before launch, then RUNNING, then SUCCEEDED or FAILED */
export type RunStatus =
  | 'FAILED'
  | 'REGISTERED'
  | 'RUNNING'
  | 'SUCCEEDED';

/** One sample of a run (from task tags): its tasks' use. */
export type SampleSummary = {
  __typename?: 'SampleSummary';
  cpuHours: Scalars['Float']['output'];
  realtimeHours: Scalars['Float']['output'];
  sample: Scalars['String']['output'];
  tasks: Scalars['Int']['output'];
};

export type Subscription = {
  __typename?: 'Subscription';
  /** Every alert your organization raises, from whichever process raised it; kinds filters, severity is the minimum */
  alertRaised: Alert;
  /** A budget threshold crossed (once per threshold and period); scope narrows it to budgets of that scope */
  budgetBreached: BudgetBreach;
  /** Pushed when the run's status or tasks change, whichever API process captured the change */
  runUpdated: Run;
};


export type SubscriptionAlertRaisedArgs = {
  kinds?: InputMaybe<Array<AlertKind>>;
  severity?: InputMaybe<AlertSeverity>;
};


export type SubscriptionBudgetBreachedArgs = {
  scope?: InputMaybe<BudgetScopeInput>;
};


export type SubscriptionRunUpdatedArgs = {
  runId: Scalars['ID']['input'];
};

/** One Nextflow task attempt, with what it asked for and what it used. */
export type Task = {
  __typename?: 'Task';
  attempt: Scalars['Int']['output'];
  completedAt?: Maybe<Scalars['DateTime']['output']>;
  container?: Maybe<Scalars['String']['output']>;
  /** Requested cpus */
  cpus?: Maybe<Scalars['Int']['output']>;
  diskBytes?: Maybe<Scalars['SafeInt']['output']>;
  durationMs?: Maybe<Scalars['SafeInt']['output']>;
  errorAction?: Maybe<Scalars['String']['output']>;
  exitCode?: Maybe<Scalars['Int']['output']>;
  hash?: Maybe<Scalars['String']['output']>;
  hostname?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  /** Requested memory, bytes */
  memoryBytes?: Maybe<Scalars['SafeInt']['output']>;
  name?: Maybe<Scalars['String']['output']>;
  nativeId?: Maybe<Scalars['String']['output']>;
  node?: Maybe<Scalars['String']['output']>;
  /** %cpu: 100 = one core busy */
  pcpu?: Maybe<Scalars['Float']['output']>;
  peakRss?: Maybe<Scalars['SafeInt']['output']>;
  peakVmem?: Maybe<Scalars['SafeInt']['output']>;
  pmem?: Maybe<Scalars['Float']['output']>;
  pool?: Maybe<Scalars['String']['output']>;
  priority?: Maybe<VmPriority>;
  process?: Maybe<Scalars['String']['output']>;
  queue?: Maybe<Scalars['String']['output']>;
  rchar?: Maybe<Scalars['SafeInt']['output']>;
  readBytes?: Maybe<Scalars['SafeInt']['output']>;
  realtimeMs?: Maybe<Scalars['SafeInt']['output']>;
  /** Sample, extracted from the tag */
  sample?: Maybe<Scalars['String']['output']>;
  /** trace or weblog: where the stored values came from */
  source: Scalars['String']['output'];
  startedAt?: Maybe<Scalars['DateTime']['output']>;
  status?: Maybe<TaskStatus>;
  submittedAt?: Maybe<Scalars['DateTime']['output']>;
  tag?: Maybe<Scalars['String']['output']>;
  /** Nextflow's task_id */
  taskId: Scalars['Int']['output'];
  /** Requested time, ms */
  timeMs?: Maybe<Scalars['SafeInt']['output']>;
  /** From the organization's declared pools */
  vmSize?: Maybe<Scalars['String']['output']>;
  wchar?: Maybe<Scalars['SafeInt']['output']>;
  writeBytes?: Maybe<Scalars['SafeInt']['output']>;
};

export type TaskConnection = {
  __typename?: 'TaskConnection';
  edges: Array<TaskEdge>;
  pageInfo: PageInfo;
};

export type TaskEdge = {
  __typename?: 'TaskEdge';
  cursor: Scalars['String']['output'];
  node: Task;
};

export type TaskFilterInput = {
  process?: InputMaybe<Scalars['String']['input']>;
  sample?: InputMaybe<Scalars['String']['input']>;
  status?: InputMaybe<Array<TaskStatus>>;
};

/** Nextflow's task states */
export type TaskStatus =
  | 'ABORTED'
  | 'CACHED'
  | 'COMPLETED'
  | 'FAILED'
  | 'NEW'
  | 'RUNNING'
  | 'SUBMITTED';

/** ACTUAL: billed + committed spend so far; FORECAST: spend forecast for the whole period */
export type ThresholdBasis =
  | 'ACTUAL'
  | 'FORECAST';

/** Only the fields given change */
export type UpdateBudgetInput = {
  amount?: InputMaybe<Scalars['Decimal']['input']>;
  currency?: InputMaybe<Scalars['String']['input']>;
  endsAt?: InputMaybe<Scalars['DateTime']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  period?: InputMaybe<BudgetPeriod>;
  scope?: InputMaybe<BudgetScopeInput>;
  startsAt?: InputMaybe<Scalars['DateTime']['input']>;
  thresholds?: InputMaybe<Array<BudgetThresholdInput>>;
};

/** Only the fields given change */
export type UpdateWebhookChannelInput = {
  enabled?: InputMaybe<Scalars['Boolean']['input']>;
  format?: InputMaybe<WebhookFormat>;
  kinds?: InputMaybe<Array<AlertKind>>;
  minSeverity?: InputMaybe<AlertSeverity>;
  name?: InputMaybe<Scalars['String']['input']>;
  url?: InputMaybe<Scalars['String']['input']>;
};

/** Pricing tier of the machine: dedicated, low-priority (Azure Batch) or spot */
export type VmPriority =
  | 'DEDICATED'
  | 'LOW_PRIORITY'
  | 'SPOT';

export type WebhookAttempt = {
  __typename?: 'WebhookAttempt';
  at: Scalars['DateTime']['output'];
  durationMs: Scalars['Int']['output'];
  error?: Maybe<Scalars['String']['output']>;
  statusCode?: Maybe<Scalars['Int']['output']>;
};

/** Where alerts go besides subscriptions: signed HTTP POSTs */
export type WebhookChannel = {
  __typename?: 'WebhookChannel';
  createdAt: Scalars['DateTime']['output'];
  /** Newest first */
  deliveries: WebhookDeliveryConnection;
  enabled: Scalars['Boolean']['output'];
  format: WebhookFormat;
  id: Scalars['ID']['output'];
  /** Empty: every kind */
  kinds: Array<AlertKind>;
  minSeverity: AlertSeverity;
  name: Scalars['String']['output'];
  /** Scheme, host and path only: a query string (Slack-style tokens) is not shown */
  url: Scalars['String']['output'];
};


/** Where alerts go besides subscriptions: signed HTTP POSTs */
export type WebhookChannelDeliveriesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: Scalars['Int']['input'];
};

/** One alert to one channel */
export type WebhookDelivery = {
  __typename?: 'WebhookDelivery';
  alertId: Scalars['ID']['output'];
  attempts: Scalars['Int']['output'];
  createdAt: Scalars['DateTime']['output'];
  deliveredAt?: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  lastError?: Maybe<Scalars['String']['output']>;
  lastStatusCode?: Maybe<Scalars['Int']['output']>;
  /** Every attempt, oldest first */
  log: Array<WebhookAttempt>;
  status: WebhookDeliveryStatus;
};

export type WebhookDeliveryConnection = {
  __typename?: 'WebhookDeliveryConnection';
  edges: Array<WebhookDeliveryEdge>;
  pageInfo: PageInfo;
};

export type WebhookDeliveryEdge = {
  __typename?: 'WebhookDeliveryEdge';
  cursor: Scalars['String']['output'];
  node: WebhookDelivery;
};

/** PENDING, then SUCCEEDED, or RETRYING (with backoff) until FAILED */
export type WebhookDeliveryStatus =
  | 'FAILED'
  | 'PENDING'
  | 'RETRYING'
  | 'SUCCEEDED';

/** JSON: the alert as JSON; SLACK: a Slack incoming-webhook message */
export type WebhookFormat =
  | 'JSON'
  | 'SLACK';

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { __typename?: 'Query', me: { __typename?: 'Me', name: string, role: Role, organization: { __typename?: 'Organization', name: string, slug: string, currency: string } } };

export type RunsQueryVariables = Exact<{
  filter?: InputMaybe<RunFilterInput>;
  first: Scalars['Int']['input'];
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type RunsQuery = { __typename?: 'Query', runs: { __typename?: 'RunConnection', edges: Array<{ __typename?: 'RunEdge', cursor: string, node: { __typename?: 'Run', id: string, runName?: string | null, status: RunStatus, project?: { __typename?: 'Project', code: string } | null, pipeline?: { __typename?: 'Pipeline', name: string, revision: string } | null, estimatedCost?: { __typename?: 'Money', amount: string, currency: string } | null, actualCost?: { __typename?: 'Money', amount: string, currency: string } | null } }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } } };

export type RegisterRunMutationVariables = Exact<{
  input: RegisterRunInput;
}>;


export type RegisterRunMutation = { __typename?: 'Mutation', registerRun: { __typename?: 'Run', id: string, status: RunStatus } };
