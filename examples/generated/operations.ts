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
  /** Last change: raised, acknowledged, resolved, or its figures restated (an ESTIMATE_DRIFT alert follows later reconciliations) */
  updatedAt: Scalars['DateTime']['output'];
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

export type AllocationMatch = {
  __typename?: 'AllocationMatch';
  project?: Maybe<Scalars['String']['output']>;
  resourceGroup?: Maybe<Scalars['String']['output']>;
  resourceId?: Maybe<Scalars['String']['output']>;
  service?: Maybe<Scalars['String']['output']>;
  sku?: Maybe<Scalars['String']['output']>;
  tags?: Maybe<Scalars['JSONObject']['output']>;
};

/** Every given field must match. Patterns are globs (* and ?) compared without case. */
export type AllocationMatchInput = {
  /** The line's project tag */
  project?: InputMaybe<Scalars['String']['input']>;
  /** Resource group pattern */
  resourceGroup?: InputMaybe<Scalars['String']['input']>;
  /** Resource id pattern, e.g. *\/storageAccounts/shared* */
  resourceId?: InputMaybe<Scalars['String']['input']>;
  /** Service name, e.g. Storage */
  service?: InputMaybe<Scalars['String']['input']>;
  /** SKU id */
  sku?: InputMaybe<Scalars['String']['input']>;
  /** The line carries all these tags, e.g. {"team": "sequencing"} */
  tags?: InputMaybe<Scalars['JSONObject']['input']>;
};

/** Spend a candidate rule would move from one cost centre to another. */
export type AllocationMove = {
  __typename?: 'AllocationMove';
  amount: Money;
  from: Scalars['String']['output'];
  rows: Scalars['Int']['output'];
  to: Scalars['String']['output'];
};

/** Assigns bill lines no task explains to a cost centre; first match by priority wins. */
export type AllocationRule = {
  __typename?: 'AllocationRule';
  costCentre: Scalars['String']['output'];
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  match: AllocationMatch;
  name: Scalars['String']['output'];
  priority: Scalars['Int']['output'];
};

export type AllocationRuleInput = {
  /** Where matching lines go */
  costCentre: Scalars['String']['input'];
  match: AllocationMatchInput;
  name: Scalars['String']['input'];
  /** 1 applies first; unique per organization */
  priority: Scalars['Int']['input'];
};

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
  /** Refreshed at most once a minute */
  lastUsedAt?: Maybe<Scalars['DateTime']['output']>;
  name: Scalars['String']['output'];
  /** The first characters of the key, to tell keys apart */
  prefix: Scalars['String']['output'];
  /** Set: the key authenticates no one */
  revokedAt?: Maybe<Scalars['DateTime']['output']>;
  role: Role;
};

/** ACTUAL_COST as billed; AMORTIZED_COST spreads reservation and savings-plan purchases over their term */
export type AzureCostType =
  | 'ActualCost'
  | 'AmortizedCost';

export type BreakdownFilterInput = {
  /** Charge periods (runs, for estimates) starting at or after */
  from: Scalars['DateTime']['input'];
  /** Any of these pipeline names */
  pipeline?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Any of these project codes */
  project?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Any of these providers */
  provider?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Any of these region ids */
  region?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Any of these resource groups (case-insensitive) */
  resourceGroup?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Any of these service names */
  service?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Starting before (half-open); the previous period is the window of the same length just before */
  to: Scalars['DateTime']['input'];
};

export type BreakdownGroupByInput = {
  dimension: ExplorerDimension;
  /** Required with TAG */
  tagKey?: InputMaybe<Scalars['String']['input']>;
};

export type BreakdownKey = {
  __typename?: 'BreakdownKey';
  dimension: ExplorerDimension;
  tagKey?: Maybe<Scalars['String']['output']>;
  value?: Maybe<Scalars['String']['output']>;
};

/** A spending limit over a scope and a period, with alert thresholds. */
export type Budget = {
  __typename?: 'Budget';
  amount: Money;
  createdAt: Scalars['DateTime']['output'];
  /** CUSTOM periods only; exclusive */
  endsAt?: Maybe<Scalars['DateTime']['output']>;
  /** Forecast for the period containing `at` (default now), from its spend up to `at` */
  forecast: BudgetForecastView;
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  period: BudgetPeriod;
  scope: BudgetScopeView;
  /** Spend in the period containing `at` (default now), up to `at` */
  spend: BudgetSpendView;
  /** CUSTOM periods only */
  startsAt?: Maybe<Scalars['DateTime']['output']>;
  thresholds: Array<BudgetThresholdView>;
  updatedAt: Scalars['DateTime']['output'];
};


/** A spending limit over a scope and a period, with alert thresholds. */
export type BudgetForecastArgs = {
  at?: InputMaybe<Scalars['DateTime']['input']>;
};


/** A spending limit over a scope and a period, with alert thresholds. */
export type BudgetSpendArgs = {
  at?: InputMaybe<Scalars['DateTime']['input']>;
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

/** Periods are UTC days (YYYY-MM-DD) or months (YYYY-MM) of the charge period start */
export type ComplianceGranularity =
  | 'DAY'
  | 'MONTH';

/** What finished runs' costs a run-level model learned from: BILL, their actual costs once 10 runs were billed in full (idle shared with runs, overheads included); PRICE_SHEET, their tasks at the price sheet until then */
export type CostBasis =
  | 'BILL'
  | 'PRICE_SHEET';

export type CostBreakdownConnection = {
  __typename?: 'CostBreakdownConnection';
  edges: Array<CostBreakdownGroupEdge>;
  pageInfo: PageInfo;
  /** Per currency, over the whole filter */
  totals: Array<CostBreakdownTotal>;
};

/** Cost of one group in one currency, with genomics units. */
export type CostBreakdownGroup = {
  __typename?: 'CostBreakdownGroup';
  actual?: Maybe<Money>;
  /** Per GB (10^9 bytes) of input */
  costPerGb?: Maybe<Money>;
  costPerRun?: Maybe<Money>;
  costPerSample?: Maybe<Money>;
  estimate?: Maybe<Money>;
  /** Input bytes of the runs in the group */
  inputBytes?: Maybe<Scalars['Decimal']['output']>;
  keys: Array<BreakdownKey>;
  /** YYYY-MM-DD start of the period */
  period?: Maybe<Scalars['String']['output']>;
  /** Actual of the same keys over the previous window (periods aside) */
  previousActual?: Maybe<Money>;
  runs: Scalars['Int']['output'];
  samples: Scalars['Int']['output'];
};

export type CostBreakdownGroupEdge = {
  __typename?: 'CostBreakdownGroupEdge';
  cursor: Scalars['String']['output'];
  node: CostBreakdownGroup;
};

export type CostBreakdownTotal = {
  __typename?: 'CostBreakdownTotal';
  actual?: Maybe<Money>;
  estimate?: Maybe<Money>;
  previousActual?: Maybe<Money>;
};

/** Unexplained spend of one cost centre ('Unallocated' for lines no rule matches), in one currency. */
export type CostCentreTotal = {
  __typename?: 'CostCentreTotal';
  amount: Money;
  costCentre: Scalars['String']['output'];
  rows: Scalars['Int']['output'];
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
  /** The export run a replacing file was part of */
  delivery?: Maybe<Scalars['String']['output']>;
  /** Why it FAILED */
  error?: Maybe<Scalars['String']['output']>;
  fileName?: Maybe<Scalars['String']['output']>;
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  /** format/variant, e.g. azure/ea; null until the header is read */
  format?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  /** Quarantined rows, by line */
  rejects: CostImportRejectConnection;
  /** Whether the file replaced earlier imports' lines of its sub accounts and days */
  replace: Scalars['Boolean']['output'];
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

/** What a replacing import removed: earlier file imports' lines of the file's sub accounts on its days (rows, totals; including the ones it stored again), and the Azure sync lines of those days it took over (syncedRows, syncedTotals) */
export type CostImportReplaced = {
  __typename?: 'CostImportReplaced';
  /** First UTC day replaced */
  from?: Maybe<Scalars['DateTime']['output']>;
  rows: Scalars['Int']['output'];
  /** Lines of Azure syncs the file took over: its subscriptions' synced lines on the days it restated (not counted in rows) */
  syncedRows: Scalars['Int']['output'];
  /** Their billed cost per currency */
  syncedTotals: Array<CostTotal>;
  /** Day after the last one replaced (half-open) */
  to?: Maybe<Scalars['DateTime']['output']>;
  /** Their billed cost per currency (the bill changed by the report totals minus these and syncedTotals) */
  totals: Array<CostTotal>;
};

/** What a successful import did. */
export type CostImportReport = {
  __typename?: 'CostImportReport';
  /** actual or amortized: what the cost column of an Azure export holds, when its reservation or savings plan lines show it (a purchase with its cost; covered usage with cost, or unused commitment lines); null when the file does not show it */
  costBasis?: Maybe<Scalars['String']['output']>;
  /** azure or focus */
  format: Scalars['String']['output'];
  /** Latest charge period end */
  periodEnd?: Maybe<Scalars['DateTime']['output']>;
  /** Earliest charge period start */
  periodStart?: Maybe<Scalars['DateTime']['output']>;
  /** What a replacing import replaced; null for one that adds */
  replaced?: Maybe<CostImportReplaced>;
  /** Cost records stored by this import (a replacing import also stores again the lines it replaced with themselves) */
  rowsLoaded: Scalars['Int']['output'];
  /** Rows that could not be read; see rejects */
  rowsQuarantined: Scalars['Int']['output'];
  /** Data records in the file (loaded, unchanged and quarantined) */
  rowsRead: Scalars['Int']['output'];
  /** Rows already stored by an earlier import (of the same delivery, for a replacing import) */
  rowsUnchanged: Scalars['Int']['output'];
  /** Billed cost per currency over the file's rows (new and unchanged) */
  totals: Array<CostTotal>;
  /** The header dialect, e.g. ea, mca, focus-1.0 */
  variant: Scalars['String']['output'];
  /** Why the lines may count wrongly beside what is stored (a part of a multi-part export added, lines equal to stored ones, actual and amortized exports of the same days) */
  warnings: Array<CostImportWarning>;
};

/** RUNNING, then SUCCEEDED (everything loaded) or FAILED (nothing loaded) */
export type CostImportStatus =
  | 'FAILED'
  | 'RUNNING'
  | 'SUCCEEDED';

/** A warning of a cost import: every row was read, but the lines may count wrongly beside what is stored. */
export type CostImportWarning = {
  __typename?: 'CostImportWarning';
  /** PART_ADDED, ADDED_BESIDE_STORED, COST_BASIS_MIXED or LEGACY_HASH_AMBIGUOUS */
  code: Scalars['String']['output'];
  message: Scalars['String']['output'];
};

/** ACTUAL: the reconciled bill; ESTIMATE: runs’ current estimates; BOTH side by side */
export type CostMetric =
  | 'ACTUAL'
  | 'BOTH'
  | 'ESTIMATE';

/** A share of a run's actual cost: its tasks' allocations plus its part of the run's idle share. */
export type CostPart = {
  __typename?: 'CostPart';
  /** The run's idle share, split in proportion to task cost */
  idleShare: Money;
  /** The sample or process; null for tasks without one */
  name?: Maybe<Scalars['String']['output']>;
  tasks: Money;
  total: Money;
};

/** A project's monthly cost report, stored as rendered. */
export type CostReport = {
  __typename?: 'CostReport';
  createdAt: Scalars['DateTime']['output'];
  /** GET with the same Authorization header */
  csvUrl: Scalars['String']['output'];
  /** A readable page with a chart of daily spend */
  htmlUrl: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  /** YYYY-MM */
  month: Scalars['String']['output'];
  project: Project;
  updatedAt: Scalars['DateTime']['output'];
};

export type CostReportConnection = {
  __typename?: 'CostReportConnection';
  edges: Array<CostReportEdge>;
  pageInfo: PageInfo;
};

export type CostReportEdge = {
  __typename?: 'CostReportEdge';
  cursor: Scalars['String']['output'];
  node: CostReport;
};

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
  /** Fetched rows removed again: their days belong to replacing file imports of the same subscriptions (not in rows) */
  rowsSuperseded: Scalars['Int']['output'];
  startedAt?: Maybe<Scalars['DateTime']['output']>;
  status: CostSyncStatus;
  /** Billed cost the window holds after the sync, per currency */
  totals: Array<Money>;
  /** Billed cost of the rows superseded by file imports, per currency */
  totalsSuperseded: Array<Money>;
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

/** What a run is expected to cost, with an 80 % interval */
export type Estimate = {
  __typename?: 'Estimate';
  basis: EstimateBasis;
  /** ISO 4217 */
  currency: Scalars['String']['output'];
  high: Scalars['Decimal']['output'];
  /** held-out (model residuals) or default (no history: a wide 0.5×–2× band) */
  intervalMethod: Scalars['String']['output'];
  low: Scalars['Decimal']['output'];
  model: EstimateModelInfo;
  /** Why this basis, and what was assumed */
  note: Scalars['String']['output'];
  /** Region whose prices were used */
  priceRegion: Scalars['String']['output'];
  /** True when SPOT was priced at the LOW_PRIORITY rate */
  priorityFallback: Scalars['Boolean']['output'];
  /** Per process, when the model has one (empty for PRICE_SHEET) */
  processes: Array<ProcessEstimate>;
  /** True when the requested region has no prices and the reference region’s were used */
  regionFallback: Scalars['Boolean']['output'];
  /** Top-down, beside the per-process value: the run-level champion's figure for the whole run, from what the pipeline's finished runs cost (see costBasis), their sample counts and input bytes, as they ran: it does not reprice for this quote's priority or region. Null until the pipeline has 10 such runs and a retrain, or when the champion fails to answer */
  runModel?: Maybe<RunModelEstimate>;
  /** How earlier quotes of this pipeline compared with the bill, once runs were reconciled */
  trackRecord: QuoteTrackRecord;
  value: Scalars['Decimal']['output'];
};

/** How far one model version's estimates of one kind were from the bill, for one pipeline. */
export type EstimateAccuracy = {
  __typename?: 'EstimateAccuracy';
  /** Mean error ratio: positive, estimates run high */
  bias?: Maybe<Scalars['Float']['output']>;
  /** Estimates compared with an actual */
  count: Scalars['Int']['output'];
  /** Estimates beyond the drift threshold */
  drifted: Scalars['Int']['output'];
  kind: EstimateKind;
  /** Mean |error ratio| (0.1 = 10%) */
  mape?: Maybe<Scalars['Float']['output']>;
  /** Median |error ratio| */
  medianApe?: Maybe<Scalars['Float']['output']>;
  modelName: Scalars['String']['output'];
  modelVersion: Scalars['String']['output'];
  pipeline?: Maybe<Pipeline>;
};

/** PRICE_SHEET: no trained model for the pipeline, the price-sheet rule over stated assumptions; CHAMPION: the champion model of the pipeline */
export type EstimateBasis =
  | 'CHAMPION'
  | 'PRICE_SHEET';

/** A stored run estimate against the reconciled actual cost. */
export type EstimateError = {
  __typename?: 'EstimateError';
  actualCost: Money;
  /** (estimated − actual) / actual; null when the actual is 0 */
  errorRatio?: Maybe<Scalars['Decimal']['output']>;
  estimateId: Scalars['ID']['output'];
  estimatedCost: Money;
  id: Scalars['ID']['output'];
  kind: EstimateKind;
  modelName: Scalars['String']['output'];
  modelVersion: Scalars['String']['output'];
  pipeline?: Maybe<Pipeline>;
  runId: Scalars['ID']['output'];
  updatedAt: Scalars['DateTime']['output'];
};

export type EstimateErrorConnection = {
  __typename?: 'EstimateErrorConnection';
  edges: Array<EstimateErrorEdge>;
  pageInfo: PageInfo;
};

export type EstimateErrorEdge = {
  __typename?: 'EstimateErrorEdge';
  cursor: Scalars['String']['output'];
  node: EstimateError;
};

export type EstimateErrorFilterInput = {
  modelName?: InputMaybe<Scalars['String']['input']>;
  /** Pipeline name, e.g. nf-core/rnaseq (every revision) */
  pipeline?: InputMaybe<Scalars['String']['input']>;
  runId?: InputMaybe<Scalars['ID']['input']>;
};

export type EstimateInput = {
  inputBytes?: InputMaybe<Scalars['SafeInt']['input']>;
  /** Pipeline parameters. No model reads them yet (features are pipeline, revision, samples, inputBytes, region and priority); registerRun keeps a run's own on the run */
  params?: InputMaybe<Scalars['JSONObject']['input']>;
  /** e.g. nf-core/rnaseq */
  pipeline: Scalars['String']['input'];
  priority?: InputMaybe<VmPriority>;
  /** Cloud region, e.g. westeurope; prices fall back to the reference region (reported) */
  region?: InputMaybe<Scalars['String']['input']>;
  revision?: InputMaybe<Scalars['String']['input']>;
  samples: Scalars['Int']['input'];
};

/** QUOTE before launch, LIVE while running (spent + predicted remainder), TASK for one finished task */
export type EstimateKind =
  | 'LIVE'
  | 'QUOTE'
  | 'TASK';

/** The model behind an estimate and what its holdout measured (null for the price-sheet rule) */
export type EstimateModelInfo = {
  __typename?: 'EstimateModelInfo';
  bias?: Maybe<Scalars['Float']['output']>;
  coverage?: Maybe<Scalars['Float']['output']>;
  mape?: Maybe<Scalars['Float']['output']>;
  medianApe?: Maybe<Scalars['Float']['output']>;
  /** Holdout samples its metrics come from */
  nTest?: Maybe<Scalars['Int']['output']>;
  /** Samples the version was trained on */
  nTrain?: Maybe<Scalars['Int']['output']>;
  name: Scalars['String']['output'];
  target: Scalars['String']['output'];
  trainedAt?: Maybe<Scalars['DateTime']['output']>;
  version: Scalars['String']['output'];
};

export type ExplorerDimension =
  /** Allocation rules’ cost centre for spend no task explains; null for pool lines */
  | 'COST_CENTRE'
  | 'PIPELINE'
  /** Nextflow process of the task */
  | 'PROCESS'
  /** Project code of the run a cost piece went to (null: not a run’s) */
  | 'PROJECT'
  | 'PROVIDER'
  | 'REGION'
  | 'RESOURCE_GROUP'
  | 'RUN'
  /** Sample of the task (from its tag) */
  | 'SAMPLE'
  | 'SERVICE'
  /** Value of the bill line tag named by tagKey */
  | 'TAG';

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

/** Periods are UTC; a week starts on Monday */
export type Granularity =
  | 'DAY'
  | 'MONTH'
  | 'WEEK';

/** SHARE: a pool's idle goes to the runs that used it in that charge period; SEPARATE: it stays with the pool (GCT_RECONCILE_IDLE) */
export type IdleMode =
  | 'SEPARATE'
  | 'SHARE';

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

export type ModelFilterInput = {
  championOnly?: InputMaybe<Scalars['Boolean']['input']>;
  pipeline?: InputMaybe<Scalars['String']['input']>;
  target?: InputMaybe<Scalars['String']['input']>;
};

/** PIPELINE: fitted on all tasks of a pipeline; PROCESS: on one process of it */
export type ModelScope =
  | 'PIPELINE'
  | 'PROCESS';

/** One fit of a model on a scope of the history, with its time-ordered holdout metrics (fractions: 0.25 = 25 %) */
export type ModelVersion = {
  __typename?: 'ModelVersion';
  /** Σpredicted / Σactual − 1 on the holdout */
  bias?: Maybe<Scalars['Float']['output']>;
  /** The version quotes use for this target and scope */
  champion: Scalars['Boolean']['output'];
  /** costPerRun versions: what the runs it learned from cost; null for task targets */
  costBasis?: Maybe<CostBasis>;
  /** Share of holdout values inside the model's 80 % interval */
  coverage?: Maybe<Scalars['Float']['output']>;
  /** costPerRun versions: the currency of those runs' costs */
  currency?: Maybe<Scalars['String']['output']>;
  /** Submit time of the oldest holdout sample: the metrics are on samples from then to trainedTo, scored by a fit on the ones before */
  heldOutFrom?: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  /** Mean absolute percentage error on the holdout */
  mape?: Maybe<Scalars['Float']['output']>;
  medianApe?: Maybe<Scalars['Float']['output']>;
  modelName: Scalars['String']['output'];
  modelVersion: Scalars['String']['output'];
  nTest: Scalars['Int']['output'];
  nTrain: Scalars['Int']['output'];
  pipeline: Scalars['String']['output'];
  /** '' for PIPELINE scope */
  process: Scalars['String']['output'];
  scope: ModelScope;
  /** False once the fitted state was dropped (GCT_MODEL_STATE_RETENTION_DAYS; never for a champion): the metrics stay */
  stateKept: Scalars['Boolean']['output'];
  target: Scalars['String']['output'];
  trainedAt: Scalars['DateTime']['output'];
  /** Submit time of the oldest sample the stored fit learned from (null for versions trained before it was kept) */
  trainedFrom?: Maybe<Scalars['DateTime']['output']>;
  /** Submit time of the newest sample the stored fit learned from */
  trainedTo?: Maybe<Scalars['DateTime']['output']>;
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
  createAllocationRule: AllocationRule;
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
  /** Its lines return to the next matching rule, or to Unallocated */
  deleteAllocationRule: Scalars['Boolean']['output'];
  /** Returns the deleted id; alerts it raised stay */
  deleteBudget: Scalars['ID']['output'];
  /** Deletes the channel and its delivery log */
  deleteWebhookChannel: Scalars['ID']['output'];
  /** Renders (or re-renders) a month for a project now; a monthly job does last month for every project */
  generateCostReport: CostReport;
  /** Marks an anomaly expected or not an anomaly; who, when and why are kept */
  markAnomaly: Anomaly;
  /** Queues a reconciliation of the bill lines whose charge period starts in [from, to) (at most 366 days); re-running a window replaces it */
  reconcileCosts: ReconcileRequest;
  /** Recomputes recommendations now (a job also does it daily) */
  refreshRecommendations: RecommendationRefresh;
  /** A LIMS announces a run before launch and gets the id to pass to Nextflow. With a sampleCount, the quote (see `estimate`) is stored as its estimatedCost */
  registerRun: Run;
  /** OPEN or ACKNOWLEDGED → RESOLVED, recording who, when and why; CONFLICT when already resolved */
  resolveAlert: Alert;
  /** Queues a retrain of the organization's models (models.retrain); returns the job id (the already queued one, if any) */
  retrainModels: Scalars['ID']['output'];
  /** From the next request on, the key authenticates no one. A key cannot revoke itself: rotate by creating the new key first */
  revokeApiKey: ApiKey;
  /** Accept or dismiss a recommendation (or reopen it) */
  setRecommendationStatus: Recommendation;
  /** Replaces the required tag keys; answers the new set */
  setRequiredTagKeys: Array<Scalars['String']['output']>;
  /** Queues a sync that replaces [from, to) (UTC midnights; default the connection window, today included) with what Azure reports now */
  syncCostConnection: CostSyncRequest;
  updateBudget: Budget;
  updateWebhookChannel: WebhookChannel;
};


export type MutationAcknowledgeAlertArgs = {
  id: Scalars['ID']['input'];
};


export type MutationCreateAllocationRuleArgs = {
  input: AllocationRuleInput;
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


export type MutationDeleteAllocationRuleArgs = {
  id: Scalars['ID']['input'];
};


export type MutationDeleteBudgetArgs = {
  id: Scalars['ID']['input'];
};


export type MutationDeleteWebhookChannelArgs = {
  id: Scalars['ID']['input'];
};


export type MutationGenerateCostReportArgs = {
  month: Scalars['String']['input'];
  project: Scalars['String']['input'];
};


export type MutationMarkAnomalyArgs = {
  feedback: AnomalyFeedback;
  id: Scalars['ID']['input'];
  note?: InputMaybe<Scalars['String']['input']>;
};


export type MutationReconcileCostsArgs = {
  from: Scalars['DateTime']['input'];
  to: Scalars['DateTime']['input'];
};


export type MutationRegisterRunArgs = {
  input: RegisterRunInput;
};


export type MutationResolveAlertArgs = {
  id: Scalars['ID']['input'];
  resolution?: InputMaybe<Scalars['String']['input']>;
};


export type MutationRevokeApiKeyArgs = {
  id: Scalars['ID']['input'];
};


export type MutationSetRecommendationStatusArgs = {
  id: Scalars['ID']['input'];
  status: RecommendationStatus;
};


export type MutationSetRequiredTagKeysArgs = {
  input: RequiredTagKeysInput;
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

export type ProcessEstimate = {
  __typename?: 'ProcessEstimate';
  high: Scalars['Decimal']['output'];
  low: Scalars['Decimal']['output'];
  /** name@version of the model that predicted the runtime */
  model: Scalars['String']['output'];
  /** Why the process is not quoted as its profile and champion would be: its champion failed or answered nonsense (the pipeline's champion was used), or its VM size has no price (priced on the default VM size) */
  note?: Maybe<Scalars['String']['output']>;
  process: Scalars['String']['output'];
  /** Predicted runtime of one task */
  runtimeMs: Scalars['Float']['output'];
  /** Expected tasks of the process */
  tasks: Scalars['Float']['output'];
  value: Scalars['Decimal']['output'];
  vmSize: Scalars['String']['output'];
};

/** One process of a run: its tasks' use, summed in SQL. */
export type ProcessSummary = {
  __typename?: 'ProcessSummary';
  /** Taken from an earlier run by -resume: not run now, so not in the hours */
  cached: Scalars['Int']['output'];
  /** Completed in this run (cached tasks are counted in cached) */
  completed: Scalars['Int']['output'];
  /** Σ realtime × requested cpus of the tasks that ran in this run (not cached), hours */
  cpuHours: Scalars['Float']['output'];
  failed: Scalars['Int']['output'];
  meanCpuPercent?: Maybe<Scalars['Float']['output']>;
  name: Scalars['String']['output'];
  /** Largest peak RSS, bytes */
  peakRssBytes?: Maybe<Scalars['Float']['output']>;
  /** Σ realtime of the tasks that ran in this run (not cached), hours */
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

export type ProjectConnection = {
  __typename?: 'ProjectConnection';
  edges: Array<ProjectEdge>;
  pageInfo: PageInfo;
};

export type ProjectEdge = {
  __typename?: 'ProjectEdge';
  cursor: Scalars['String']['output'];
  node: Project;
};

export type Query = {
  __typename?: 'Query';
  /** NOT_FOUND when no alert of your organization has this id */
  alert: Alert;
  /** Oldest first; a listener that reconnects asks for what it missed with since */
  alerts: AlertConnection;
  /** Allocation rules in the order they apply */
  allocationRules: Array<AllocationRule>;
  /** Newest day first */
  anomalies: AnomalyConnection;
  /** The organization's API keys, newest first, revoked ones included */
  apiKeys: Array<ApiKey>;
  /** NOT_FOUND when no budget of your organization has this id */
  budget: Budget;
  /** By name */
  budgets: Array<Budget>;
  /** The cost explorer: actual (reconciled bill) and estimated cost by workflow and bill dimensions, per period, with the previous period and per-run / per-sample / per-GB units */
  costBreakdown: CostBreakdownConnection;
  /** Spend no task explains (lines of resources that are not declared pools), by cost centre */
  costCentres: Array<CostCentreTotal>;
  /** NOT_FOUND when no connection of your organization has this id */
  costConnection: CostConnection;
  /** The organization's Azure Cost Management connections */
  costConnections: Array<CostConnection>;
  /** NOT_FOUND when no cost import of your organization has this id */
  costImport: CostImport;
  /** Cost file imports, newest first */
  costImports: CostImportConnection;
  /** Monthly cost reports, newest month first */
  costReports: CostReportConnection;
  /** A connection's syncs, newest first */
  costSyncs: CostSyncConnection;
  /** Billed cost grouped by the dimensions asked and by currency, ordered by the group keys */
  costs: CostGroupConnection;
  /** What saving this rule would move over the window, without saving it */
  dryRunAllocationRule: Array<AllocationMove>;
  /** A quote before launch: the champion model of the pipeline when there is one, else the price-sheet rule (basis says which) */
  estimate: Estimate;
  /** Estimate error per pipeline, estimate kind and model version */
  estimateAccuracy: Array<EstimateAccuracy>;
  /** Stored run estimates against reconciled actual costs, most recently updated first */
  estimateErrors: EstimateErrorConnection;
  /** Who is calling, with which role, in which organization */
  me: Me;
  /** Trained model versions with their holdout metrics, newest first */
  models: Array<ModelVersion>;
  /** The organization's declared compute pools */
  pools: Array<Pool>;
  /** NOT_FOUND when no project of your organization has this code */
  project: Project;
  /**
   * Every project, by code, in one answer
   * @deprecated unbounded (a LIMS adds a project per study, and this answers them all at once): page with projectsConnection
   */
  projects: Array<Project>;
  /** Projects by code, a page at a time */
  projectsConnection: ProjectConnection;
  /** Savings recommendations, biggest monthly saving first */
  recommendations: RecommendationConnection;
  /** Reconciliations of the bill, newest first */
  reconciliations: ReconciliationConnection;
  /** Models the server can train and use: built-ins and GCT_MODEL_MODULES */
  registeredModels: Array<RegisteredModel>;
  /** Tag keys every billed resource should carry */
  requiredTagKeys: Array<Scalars['String']['output']>;
  /** NOT_FOUND when no run of your organization has this id */
  run: Run;
  /** Newest first */
  runs: RunConnection;
  /** Spend on bill lines missing required tag keys, by period, resource group and service */
  tagCompliance: TagComplianceReport;
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


export type QueryCostBreakdownArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter: BreakdownFilterInput;
  first?: Scalars['Int']['input'];
  granularity?: InputMaybe<Granularity>;
  groupBy?: Array<BreakdownGroupByInput>;
  metric?: CostMetric;
};


export type QueryCostCentresArgs = {
  from: Scalars['DateTime']['input'];
  to: Scalars['DateTime']['input'];
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


export type QueryCostReportsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: Scalars['Int']['input'];
  project?: InputMaybe<Scalars['String']['input']>;
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


export type QueryDryRunAllocationRuleArgs = {
  from: Scalars['DateTime']['input'];
  input: AllocationRuleInput;
  to: Scalars['DateTime']['input'];
};


export type QueryEstimateArgs = {
  input: EstimateInput;
};


export type QueryEstimateAccuracyArgs = {
  filter?: InputMaybe<EstimateErrorFilterInput>;
};


export type QueryEstimateErrorsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<EstimateErrorFilterInput>;
  first?: Scalars['Int']['input'];
};


export type QueryModelsArgs = {
  filter?: InputMaybe<ModelFilterInput>;
  first?: Scalars['Int']['input'];
};


export type QueryProjectArgs = {
  code: Scalars['String']['input'];
};


export type QueryProjectsConnectionArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: Scalars['Int']['input'];
};


export type QueryRecommendationsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: Scalars['Int']['input'];
  kind?: InputMaybe<Array<RecommendationKind>>;
  status?: InputMaybe<Array<RecommendationStatus>>;
};


export type QueryReconciliationsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: Scalars['Int']['input'];
};


export type QueryRunArgs = {
  id: Scalars['ID']['input'];
};


export type QueryRunsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<RunFilterInput>;
  first?: Scalars['Int']['input'];
};


export type QueryTagComplianceArgs = {
  from: Scalars['DateTime']['input'];
  granularity?: ComplianceGranularity;
  to: Scalars['DateTime']['input'];
};


export type QueryWebhookChannelArgs = {
  id: Scalars['ID']['input'];
};

/** How the pipeline's past quotes landed against the bill: per run billed in full, its newest quote against its actual cost (fractions: 0.25 = 25 %) */
export type QuoteTrackRecord = {
  __typename?: 'QuoteTrackRecord';
  /** Σquote / Σactual − 1: negative when quotes were short of the bill */
  bias?: Maybe<Scalars['Float']['output']>;
  /** Mean |quote − actual| / actual */
  mape?: Maybe<Scalars['Float']['output']>;
  runModelBias?: Maybe<Scalars['Float']['output']>;
  runModelMape?: Maybe<Scalars['Float']['output']>;
  /** Of those, runs whose quote carried a runModel figure */
  runModelRuns: Scalars['Int']['output'];
  /** SUCCEEDED runs of the pipeline billed in full (every hour of every task that ran billed by a line loaded 72 h after it; every day they ran on last reconciled whole, sharing idle, after they ended and their bill settled; none cached) that had a quote in this currency */
  runs: Scalars['Int']['output'];
};

/** A saving found in the task history, priced with the price sheet. */
export type Recommendation = {
  __typename?: 'Recommendation';
  /** Evidence and the proposed setting: current and recommended values, percentiles, task counts, the Nextflow config line (`config`) */
  detail: Scalars['JSONObject']['output'];
  id: Scalars['ID']['output'];
  kind: RecommendationKind;
  /** Per 30 days at current prices, to 4 decimal places; null when its tasks could not be priced (no pool / VM size declared). In the organization's currency when GCT_FX_RATES has the rate from the price sheet's, else in the sheet's (`detail.currencyNote` says why); IDLE_POOL: in the bill's */
  monthlySaving?: Maybe<Money>;
  process?: Maybe<Scalars['String']['output']>;
  refreshedAt: Scalars['DateTime']['output'];
  status: RecommendationStatus;
  statusChangedAt?: Maybe<Scalars['DateTime']['output']>;
  title: Scalars['String']['output'];
};

export type RecommendationConnection = {
  __typename?: 'RecommendationConnection';
  edges: Array<RecommendationEdge>;
  pageInfo: PageInfo;
};

export type RecommendationEdge = {
  __typename?: 'RecommendationEdge';
  cursor: Scalars['String']['output'];
  node: Recommendation;
};

export type RecommendationKind =
  /** Money spent on failed or aborted attempts */
  | 'FAILED_WORK'
  /** Pool with a high idle share of its bill */
  | 'IDLE_POOL'
  /** Short, retry-safe process on dedicated VMs */
  | 'LOW_PRIORITY'
  /** Requested cpus well above p95 of %cpu + headroom */
  | 'RIGHTSIZE_CPU'
  /** Requested memory well above p95 of peak RSS + headroom */
  | 'RIGHTSIZE_MEMORY';

export type RecommendationRefresh = {
  __typename?: 'RecommendationRefresh';
  /** Recommendations the refresh found */
  found: Scalars['Int']['output'];
  /** OPEN ones no longer warranted, removed */
  removed: Scalars['Int']['output'];
};

/** OPEN until someone ACCEPTs or DISMISSes it; a refresh keeps that decision */
export type RecommendationStatus =
  | 'ACCEPTED'
  | 'DISMISSED'
  | 'OPEN';

export type ReconcileRequest = {
  __typename?: 'ReconcileRequest';
  /** The costs.reconcile job; its reconciliation appears in `reconciliations` when it runs */
  jobId: Scalars['String']['output'];
};

/** One reconciliation of a window of the bill: its lines split to tasks, idle and unallocated. */
export type Reconciliation = {
  __typename?: 'Reconciliation';
  /** Runs with allocations in a currency other than the run's: their actual cost is left unset (amounts are never converted) */
  currencyMismatchRuns: Scalars['Int']['output'];
  driftAlerts: Scalars['Int']['output'];
  durationMs?: Maybe<Scalars['Int']['output']>;
  error?: Maybe<Scalars['String']['output']>;
  estimateErrors: Scalars['Int']['output'];
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  idleMode: IdleMode;
  /** The costs.reconcile job that ran it (what reconcileCosts returned) */
  jobId?: Maybe<Scalars['String']['output']>;
  lines: Scalars['Int']['output'];
  /** Lines of a declared pool's resource */
  poolLines: Scalars['Int']['output'];
  /** Runs whose actual cost was recomputed */
  runsUpdated: Scalars['Int']['output'];
  startedAt: Scalars['DateTime']['output'];
  status: ReconciliationStatus;
  /** Task × line allocations */
  taskAllocations: Scalars['Int']['output'];
  totals: Array<ReconciliationTotal>;
  /** import, sync or request (reconcileCosts) */
  trigger: Scalars['String']['output'];
  unallocatedLines: Scalars['Int']['output'];
  /** UTC days (YYYY-MM-DD) of the window with a pool line a cost sync loaded less than 72 h after its hour: usage may still be revised, so no run on them was taken as billed in full */
  unsettledDays: Array<Scalars['String']['output']>;
  windowEnd: Scalars['DateTime']['output'];
  /** Charge periods starting in [windowStart, windowEnd) */
  windowStart: Scalars['DateTime']['output'];
};

export type ReconciliationConnection = {
  __typename?: 'ReconciliationConnection';
  edges: Array<ReconciliationEdge>;
  pageInfo: PageInfo;
};

export type ReconciliationEdge = {
  __typename?: 'ReconciliationEdge';
  cursor: Scalars['String']['output'];
  node: Reconciliation;
};

/** RUNNING, then SUCCEEDED or FAILED */
export type ReconciliationStatus =
  | 'FAILED'
  | 'RUNNING'
  | 'SUCCEEDED';

/** Bill amounts of one reconciliation in one currency: cost = tasks + idle + unallocated, exactly. */
export type ReconciliationTotal = {
  __typename?: 'ReconciliationTotal';
  /** Every line of the window */
  cost: Money;
  currency: Scalars['String']['output'];
  /** Pool time no task used (shared with runs or not, per the record's idleMode) */
  idle: Money;
  /** Allocated to tasks */
  tasks: Money;
  /** Lines tied to no declared pool */
  unallocated: Money;
};

export type RegisterRunInput = {
  inputBytes?: InputMaybe<Scalars['SafeInt']['input']>;
  labels?: InputMaybe<Scalars['JSONObject']['input']>;
  /** Pipeline parameters, as passed to Nextflow */
  params?: InputMaybe<Scalars['JSONObject']['input']>;
  /** e.g. nf-core/rnaseq */
  pipeline: Scalars['String']['input'];
  /** The pricing tier its nodes will use: the stored quote and the live re-pricing use it (without it, the quote is DEDICATED and the live re-pricing takes the tier most of the run's tasks ran at) */
  priority?: InputMaybe<VmPriority>;
  /** The LIMS project code the run is charged to */
  projectCode: Scalars['String']['input'];
  /** Cloud region, e.g. westeurope */
  region?: InputMaybe<Scalars['String']['input']>;
  /** e.g. 3.14.0 */
  revision?: InputMaybe<Scalars['String']['input']>;
  runName?: InputMaybe<Scalars['String']['input']>;
  sampleCount?: InputMaybe<Scalars['Int']['input']>;
};

/** An estimation model the server can use: a built-in or one loaded from GCT_MODEL_MODULES */
export type RegisteredModel = {
  __typename?: 'RegisteredModel';
  /** Shipped with the server (false: a user module) */
  builtin: Scalars['Boolean']['output'];
  name: Scalars['String']['output'];
  /** What it predicts per task: runtimeMs, peakRssBytes, costPerTask, costPerRun */
  target: Scalars['String']['output'];
  /** The model code's version */
  version: Scalars['String']['output'];
};

export type RequiredTagKeysInput = {
  /** The whole set (replaces the current one); up to 50, compared without case; [] turns the policy off */
  keys: Array<Scalars['String']['input']>;
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
  /** The actual cost from the reconciled bill, per currency (normally one; empty before the bill is reconciled) */
  costBreakdown: Array<RunCostBreakdown>;
  createdAt: Scalars['DateTime']['output'];
  errorMessage?: Maybe<Scalars['String']['output']>;
  /** The current estimate */
  estimatedCost?: Maybe<Money>;
  /** Estimate history of the run (QUOTE and LIVE), newest first */
  estimates: Array<RunEstimate>;
  executor?: Maybe<Scalars['String']['output']>;
  /** Pass this to Nextflow (e.g. --gct_run_id) to tie the execution to this run */
  id: Scalars['ID']['output'];
  inputBytes?: Maybe<Scalars['SafeInt']['output']>;
  labels: Scalars['JSONObject']['output'];
  params: Scalars['JSONObject']['output'];
  pipeline?: Maybe<Pipeline>;
  /** The pricing tier given at registerRun; null when none was */
  priority?: Maybe<VmPriority>;
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
export type RunEstimatesArgs = {
  first?: Scalars['Int']['input'];
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

/** A run's actual cost in one currency, from the reconciled bill. */
export type RunCostBreakdown = {
  __typename?: 'RunCostBreakdown';
  currency: Scalars['String']['output'];
  /** Its share of pool idle (0 when idle is kept apart) */
  idleShare: Money;
  /** Per process, largest first */
  processes: Array<CostPart>;
  /** Per sample (from task tags), largest first */
  samples: Array<CostPart>;
  /** What its tasks used of the pool lines */
  tasks: Money;
  /** tasks + idleShare */
  total: Money;
};

export type RunEdge = {
  __typename?: 'RunEdge';
  cursor: Scalars['String']['output'];
  node: Run;
};

/** One stored estimate of a run (history: a new figure is a new row) */
export type RunEstimate = {
  __typename?: 'RunEstimate';
  createdAt: Scalars['DateTime']['output'];
  currency: Scalars['String']['output'];
  /** What the figure was computed from (LIVE: spent, remainder, basis, finishedTasks) */
  features: Scalars['JSONObject']['output'];
  high?: Maybe<Scalars['Decimal']['output']>;
  id: Scalars['ID']['output'];
  kind: EstimateKind;
  low?: Maybe<Scalars['Decimal']['output']>;
  modelName: Scalars['String']['output'];
  modelVersion: Scalars['String']['output'];
  runId?: Maybe<Scalars['ID']['output']>;
  value: Scalars['Decimal']['output'];
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

/** A run's total from the pipeline's run-level (costPerRun) champion, trained on what its finished runs cost */
export type RunModelEstimate = {
  __typename?: 'RunModelEstimate';
  costBasis: CostBasis;
  /** The currency of the runs it learned from (ISO 4217) */
  currency: Scalars['String']['output'];
  high: Scalars['Decimal']['output'];
  /** held-out, or in-sample while the pipeline has too few runs for held-out residuals (built-ins; null when a model does not say) */
  intervalMethod?: Maybe<Scalars['String']['output']>;
  low: Scalars['Decimal']['output'];
  /** The costPerRun champion and its holdout metrics (over runs) */
  model: EstimateModelInfo;
  value: Scalars['Decimal']['output'];
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
  /** Every alert your organization raises, from whichever process raised it, and again (same id) when one is escalated to a higher severity; kinds filters, severity is the minimum */
  alertRaised: Alert;
  /** A budget threshold crossed (once per threshold and period); scope narrows it to budgets of that scope, and is checked as createBudget checks it (BAD_USER_INPUT naming the field) */
  budgetBreached: BudgetBreach;
  /** Pushed when the run's live estimate changes (at most once a second per run), whichever process computed it */
  estimateUpdated?: Maybe<RunEstimate>;
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


export type SubscriptionEstimateUpdatedArgs = {
  runId: Scalars['ID']['input'];
};


export type SubscriptionRunUpdatedArgs = {
  runId: Scalars['ID']['input'];
};

/** Untagged spend of one period, resource group and service, by the keys missing. */
export type TagComplianceGroup = {
  __typename?: 'TagComplianceGroup';
  amount: Money;
  /** Required keys these lines lack, sorted */
  missingKeys: Array<Scalars['String']['output']>;
  period: Scalars['String']['output'];
  resourceGroup?: Maybe<Scalars['String']['output']>;
  rows: Scalars['Int']['output'];
  service?: Maybe<Scalars['String']['output']>;
};

export type TagComplianceGroupConnection = {
  __typename?: 'TagComplianceGroupConnection';
  edges: Array<TagComplianceGroupEdge>;
  pageInfo: PageInfo;
};

export type TagComplianceGroupEdge = {
  __typename?: 'TagComplianceGroupEdge';
  cursor: Scalars['String']['output'];
  node: TagComplianceGroup;
};

/** Spend on resources missing the organization's required tag keys, over a window. */
export type TagComplianceReport = {
  __typename?: 'TagComplianceReport';
  from: Scalars['DateTime']['output'];
  granularity: ComplianceGranularity;
  groups: TagComplianceGroupConnection;
  /** The required keys the report checked; with none, nothing is untagged */
  requiredKeys: Array<Scalars['String']['output']>;
  to: Scalars['DateTime']['output'];
  /** Per currency */
  totals: Array<TagComplianceTotal>;
};


/** Spend on resources missing the organization's required tag keys, over a window. */
export type TagComplianceReportGroupsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: Scalars['Int']['input'];
};

/** Spend in one currency, and the part of it on bill lines missing a required tag. */
export type TagComplianceTotal = {
  __typename?: 'TagComplianceTotal';
  rows: Scalars['Int']['output'];
  total: Money;
  /** On lines lacking at least one required key (or with it empty) */
  untagged: Money;
  untaggedRows: Scalars['Int']['output'];
  /** untagged / total; null when the total is 0 */
  untaggedShare?: Maybe<Scalars['Float']['output']>;
};

/** One Nextflow task attempt, with what it asked for and what it used. */
export type Task = {
  __typename?: 'Task';
  /** Which try of its process and tag (1 = first); null when no source said (a trace without the attempt column) */
  attempt?: Maybe<Scalars['Int']['output']>;
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

export type QuoteQueryVariables = Exact<{
  input: EstimateInput;
}>;


export type QuoteQuery = { __typename?: 'Query', estimate: { __typename?: 'Estimate', value: string, low: string, high: string, currency: string, basis: EstimateBasis, note: string, model: { __typename?: 'EstimateModelInfo', name: string, version: string, mape?: number | null, coverage?: number | null, nTrain?: number | null, nTest?: number | null }, processes: Array<{ __typename?: 'ProcessEstimate', process: string, tasks: number, value: string }>, runModel?: { __typename?: 'RunModelEstimate', value: string, low: string, high: string, model: { __typename?: 'EstimateModelInfo', name: string, version: string, mape?: number | null, coverage?: number | null, nTrain?: number | null, nTest?: number | null } } | null, trackRecord: { __typename?: 'QuoteTrackRecord', runs: number, mape?: number | null, bias?: number | null, runModelRuns: number, runModelMape?: number | null, runModelBias?: number | null } } };
