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

export type CreateApiKeyInput = {
  name: Scalars['String']['input'];
  role: Role;
};

export type CreateProjectInput = {
  code: Scalars['String']['input'];
  costCentre?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
};

export type CreatedApiKey = {
  __typename?: 'CreatedApiKey';
  apiKey: ApiKey;
  /** The secret key. Shown this once: store it now. */
  key: Scalars['String']['output'];
};

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
  /** The key is in this answer only; it cannot be read again */
  createApiKey: CreatedApiKey;
  createProject: Project;
  /** A LIMS announces a run before launch and gets the id to pass to Nextflow */
  registerRun: Run;
};


export type MutationCreateApiKeyArgs = {
  input: CreateApiKeyInput;
};


export type MutationCreateProjectArgs = {
  input: CreateProjectInput;
};


export type MutationRegisterRunArgs = {
  input: RegisterRunInput;
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
  /** Who is calling, with which role, in which organization */
  me: Me;
  /** NOT_FOUND when no project of your organization has this code */
  project: Project;
  projects: Array<Project>;
  /** NOT_FOUND when no run of your organization has this id */
  run: Run;
  /** Newest first */
  runs: RunConnection;
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
  /** null while the run is not tied to a project */
  project?: Maybe<Project>;
  region?: Maybe<Scalars['String']['output']>;
  runName?: Maybe<Scalars['String']['output']>;
  sampleCount?: Maybe<Scalars['Int']['output']>;
  /** Nextflow's session id (the weblog runId) */
  sessionId?: Maybe<Scalars['String']['output']>;
  startedAt?: Maybe<Scalars['DateTime']['output']>;
  status: RunStatus;
  submittedAt?: Maybe<Scalars['DateTime']['output']>;
  taskCount: Scalars['Int']['output'];
  updatedAt: Scalars['DateTime']['output'];
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
