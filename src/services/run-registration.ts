/**
 * `registerRun`: a LIMS announces a run and, with a sample count, gets it quoted. The run and its
 * quote commit together: were the run committed first, a failure while quoting would answer an error
 * yet leave a REGISTERED run behind, one more for each retry of the LIMS.
 */
import type { Db } from '../db/client.js';
import type { Config } from '../config.js';
import type { RunRow } from '../db/schema/index.js';
import type { ModelRegistry } from '../models/registry.js';
import { EstimateService } from './estimates.js';
import { RunService, type RegisterRunInput } from './runs.js';

export class RunRegistration {
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
    private readonly registry: ModelRegistry,
    private readonly config: Pick<Config, 'maxPageSize' | 'estimation'>,
  ) {}

  async register(input: RegisterRunInput, log?: { warn(obj: object, msg: string): void }): Promise<RunRow> {
    return this.db.transaction(async (tx) => {
      const db = tx as unknown as Db;
      const run = await new RunService(db, this.orgId, this.config.maxPageSize).register(input);
      return new EstimateService(db, this.orgId, this.registry, this.config.estimation).quoteRun(run, { ...input, samples: input.sampleCount }, log);
    });
  }
}
