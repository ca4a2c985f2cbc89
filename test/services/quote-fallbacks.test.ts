import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq, sql } from 'drizzle-orm';
import { loadConfig } from '../../src/config.js';
import { modelVersions, runs, tasks } from '../../src/db/schema/index.js';
import { medianBaseline, ModelRegistry, type EstimationModel, type Prediction } from '../../src/models/index.js';
import { EstimateService, type Quote } from '../../src/services/estimates.js';
import { LiveEstimateService } from '../../src/services/live-estimates.js';
import { ModelService } from '../../src/services/model-versions.js';
import { createOrganization } from '../../src/services/organizations.js';
import { RunRegistration } from '../../src/services/run-registration.js';
import { HISTORY_VM, importTraceHistory } from '../support/history.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const PIPELINE = 'openproblems';
const SAMPLES = 4;

/** A lab's runtime model whose predict answers `answer` (or throws it). */
const labModel = (name: string, answer: Prediction | Error, version = '1'): EstimationModel => ({
  name, version, target: 'runtimeMs',
  fit: () => ({}),
  predict: () => {
    if (answer instanceof Error) throw answer;
    return answer;
  },
});

/** Each broken model, and what the note must say of it. */
const BROKEN: [EstimationModel, RegExp][] = [
  [labModel('lab:throws', new TypeError("Cannot read properties of undefined (reading 'trim')")), /lab:throws@1 threw TypeError: Cannot read properties of undefined \(reading 'trim'\)/],
  // quoting a tag as it came, NUL and all: Postgres text and jsonb cannot hold it, the note shows it as ␀
  [labModel('lab:nul', new Error('unknown tag "s1\u0000"')), /lab:nul@1 threw Error: unknown tag "s1\u2400"/],
  [labModel('lab:nan', { value: NaN, low: 1, high: 2 }), /lab:nan@1 answered a figure that is not a finite number \(value NaN/],
  [labModel('lab:infinite', { value: 10, low: 5, high: Infinity }), /lab:infinite@1 answered a figure that is not a finite number .*high Infinity/],
  [labModel('lab:negative', { value: -5, low: -10, high: 1 }), /lab:negative@1 answered a negative figure/],
  [labModel('lab:upside-down', { value: 10, low: 12, high: 15 }), /lab:upside-down@1 answered a negative figure or an interval out of order \(value 10, low 12/],
  // its state was fitted by version 1: the registered code is version 2
  [labModel('lab:refitted', { value: 10, low: 8, high: 12 }, '2'), /lab:refitted@1 was fitted by version 1, but version 2 is registered/],
];

describe("a champion that fails or answers nonsense never stops a quote, registerRun or the live figure", () => {
  let db: TestDatabase;
  let orgId: string;
  const settings = loadConfig({}).estimation;
  const builtins = new ModelRegistry().register(medianBaseline({ target: 'runtimeMs' }));
  const registry = new ModelRegistry().register(medianBaseline({ target: 'runtimeMs' }));
  for (const [m] of BROKEN) registry.register(m);
  const quote = (input: Partial<Parameters<EstimateService['quote']>[0]> = {}) =>
    new EstimateService(db.db, orgId, registry, settings).quote({ pipeline: PIPELINE, samples: SAMPLES, ...input });
  /** The process the quote spends most on. */
  let big: string;
  /** The hourly DEDICATED price of the default VM size: what the no-model quote assumes. */
  let defaultHourly: number;

  before(async () => {
    db = await createTestDatabase();
    orgId = (await createOrganization(db.db, { name: 'Fallbacks', slug: 'fallbacks' })).organization.id;
    await importTraceHistory(db.db, orgId);
    await new ModelService(db.db, orgId, builtins, settings).retrain();
    const q = await quote();
    assert.equal(q.basis, 'CHAMPION');
    big = [...q.processes].sort((a, b) => b.value - a.value)[0].process;
    [{ hourly: defaultHourly }] = (await db.db.execute(sql`select price_per_hour::float8 as hourly from prices
      where provider = 'azure' and vm_size = ${settings.defaultVmSize} and priority = 'DEDICATED' and region = 'westeurope'
      order by effective_from desc limit 1`)) as unknown as { hourly: number }[];
  });
  after(() => db.drop());

  /** Makes `modelName` (fitted by version 1) the champion of the scope, in place of the current one; returns how to undo it. */
  async function crown(modelName: string, process: string): Promise<() => Promise<void>> {
    const scope = process === '' ? 'PIPELINE' as const : 'PROCESS' as const;
    const where = and(eq(modelVersions.orgId, orgId), eq(modelVersions.pipeline, PIPELINE), eq(modelVersions.target, 'runtimeMs'),
      eq(modelVersions.scope, scope), eq(modelVersions.process, process));
    const [old] = await db.db.select({ id: modelVersions.id }).from(modelVersions).where(and(where, eq(modelVersions.champion, true)));
    if (old) await db.db.update(modelVersions).set({ champion: false }).where(eq(modelVersions.id, old.id));
    const [added] = await db.db.insert(modelVersions).values({
      orgId, modelName, modelVersion: '1', target: 'runtimeMs', scope, pipeline: PIPELINE, process, state: {}, nTrain: 100, nTest: 40, champion: true,
    }).returning({ id: modelVersions.id });
    return async () => {
      await db.db.delete(modelVersions).where(eq(modelVersions.id, added.id));
      if (old) await db.db.update(modelVersions).set({ champion: true }).where(eq(modelVersions.id, old.id));
    };
  }

  /** The quote with the process's own champion simply absent: its runtime comes from the pipeline's champion. */
  async function withoutProcessChampion(process: string): Promise<Quote> {
    const [own] = await db.db.select({ id: modelVersions.id }).from(modelVersions).where(and(eq(modelVersions.orgId, orgId),
      eq(modelVersions.pipeline, PIPELINE), eq(modelVersions.target, 'runtimeMs'), eq(modelVersions.process, process), eq(modelVersions.champion, true)));
    if (own) await db.db.update(modelVersions).set({ champion: false }).where(eq(modelVersions.id, own.id));
    try {
      return await quote();
    } finally {
      if (own) await db.db.update(modelVersions).set({ champion: true }).where(eq(modelVersions.id, own.id));
    }
  }

  test("a process champion that fails gives way to the pipeline's champion for that process, and the process and the note say why", async () => {
    const expected = await withoutProcessChampion(big);
    const pipelineChampion = `${expected.model.name}@${expected.model.version}`;
    for (const [model, says] of BROKEN) {
      const undo = await crown(model.name, big);
      try {
        const q = await quote();
        assert.equal(q.basis, 'CHAMPION', model.name);
        const p = q.processes.find((x) => x.process === big)!;
        assert.equal(p.model, pipelineChampion);
        assert.match(p.note!, says);
        assert.match(p.note!, new RegExp(`the pipeline's champion ${pipelineChampion} was used`));
        assert.match(q.note, new RegExp(`${big}: .*${says.source}`));
        assert.equal(q.value, expected.value, model.name);
        assert.deepEqual([q.low, q.high], [expected.low, expected.high]);
        assert.ok(q.processes.filter((x) => x.process !== big).every((x) => x.note === null));
      } finally {
        await undo();
      }
    }
  });

  test('a pipeline champion that fails makes the quote the price-sheet one, naming the model and why', async () => {
    // the no-model quote: hours per sample of a whole default VM, at its hourly price
    const priceSheet = SAMPLES * settings.defaultVmHoursPerSample * defaultHourly;
    for (const [model, says] of BROKEN) {
      const undo = await crown(model.name, '');
      try {
        const q = await quote();
        assert.equal(q.basis, 'PRICE_SHEET', model.name);
        assert.match(q.note, /^price-sheet: its champion /);
        assert.match(q.note, says);
        assert.ok(Math.abs(q.value / priceSheet - 1) < 1e-12, `${model.name}: ${q.value} against ${priceSheet}`);
        assert.deepEqual(q.processes, []);
      } finally {
        await undo();
      }
    }
  });

  for (const [broken, says] of [['lab:throws', /lab:throws@1 threw TypeError/], ['lab:nul', /lab:nul@1 threw Error: unknown tag "s1\u2400"/]] as const) {
  test(`registerRun stores the fallen-back quote; the live figure is stored and says why (${broken})`, async () => {
    const undo = await crown(broken, '');
    try {
      const config = loadConfig({});
      const run = await new RunRegistration(db.db, orgId, registry, config).register({ projectCode: 'HIST-openproblems', pipeline: PIPELINE, sampleCount: SAMPLES });
      const q = await quote();
      assert.equal(Number(run.estimatedCost), Number(q.value.toFixed(10)));
      await db.db.update(runs).set({ status: 'RUNNING' }).where(and(eq(runs.orgId, orgId), eq(runs.id, run.id)));
      await db.db.insert(tasks).values({
        orgId, runId: run.id, taskId: 1, process: big, status: 'COMPLETED', source: 'trace', submittedAt: new Date(), startedAt: new Date(),
        realtimeMs: 600_000, cpus: 1, vmSize: HISTORY_VM, priority: 'DEDICATED',
      });
      const out = await new LiveEstimateService(db.db, orgId, registry, settings).reprice(run.id);
      const live = out.status === 'stored' ? out.estimate : assert.fail(out.status);
      const features = live.features as { basis: string; spent: string; quoteNote: string };
      assert.equal(features.basis, 'quote minus spent');
      assert.match(features.quoteNote, says);
      assert.ok(Math.abs(Number(live.value) - q.value) < 1e-9, `live ${live.value}, quote ${q.value}`);
    } finally {
      await undo();
    }
  });
  }

  test('registerRun commits the run and its quote together: when storing the quote fails, no run is left behind', async () => {
    const before = await db.db.$count(runs, eq(runs.orgId, orgId));
    const storeQuote = EstimateService.prototype.storeQuote;
    // a failure past the quote itself (the database, say), on the way to storing it
    EstimateService.prototype.storeQuote = async () => { throw new Error('connection lost'); };
    try {
      await assert.rejects(
        new RunRegistration(db.db, orgId, registry, loadConfig({})).register({ projectCode: 'HIST-openproblems', pipeline: PIPELINE, sampleCount: SAMPLES }),
        /connection lost/,
      );
    } finally {
      EstimateService.prototype.storeQuote = storeQuote;
    }
    assert.equal(await db.db.$count(runs, eq(runs.orgId, orgId)), before);
  });
});

describe('a process on a VM size the price sheet lacks is priced on the default size; the quote stands', () => {
  let db: TestDatabase;
  let orgId: string;
  const NEW_SIZE = 'Standard_D4ads_v6';
  const PROCESS = 'load_dataset';
  // a default that differs from the history's VM, so the repricing shows
  const settings = loadConfig({ GCT_QUOTE_DEFAULT_VM_SIZE: 'Standard_D8_v3' }).estimation;
  const registry = new ModelRegistry().register(medianBaseline({ target: 'runtimeMs' }));

  before(async () => {
    db = await createTestDatabase();
    orgId = (await createOrganization(db.db, { name: 'New VM', slug: 'new-vm' })).organization.id;
    await importTraceHistory(db.db, orgId);
    await db.db.execute(sql`update tasks set vm_size = ${NEW_SIZE} where org_id = ${orgId} and process = ${PROCESS}`);
    const [{ n }] = (await db.db.execute(sql`select count(*)::int as n from prices where lower(vm_size) = lower(${NEW_SIZE})`)) as unknown as { n: number }[];
    assert.equal(n, 0, 'the size is not on the price sheet');
  });
  after(() => db.drop());

  test('after a retrain the quote answers from the champion, with that process on the default size and a note', async () => {
    const est = new EstimateService(db.db, orgId, registry, settings);
    assert.equal((await est.quote({ pipeline: 'openproblems', samples: 4 })).basis, 'PRICE_SHEET');
    await new ModelService(db.db, orgId, registry, settings).retrain();
    const q = await est.quote({ pipeline: 'openproblems', samples: 4 });
    assert.equal(q.basis, 'CHAMPION');
    const p = q.processes.find((x) => x.process === PROCESS)!;
    assert.equal(p.vmSize, 'Standard_D8_v3');
    assert.equal(p.note, `no price for its VM size ${NEW_SIZE} in the reference region: priced on Standard_D8_v3 (GCT_QUOTE_DEFAULT_VM_SIZE)`);
    assert.match(q.note, new RegExp(`${PROCESS}: no price for its VM size ${NEW_SIZE}`));
    assert.ok(q.processes.filter((x) => x.process !== PROCESS).every((x) => x.vmSize === HISTORY_VM && x.note === null));

    // the price-sheet rule by hand: hourly × the larger of the cpu and memory shares × hours, per task
    const [profile] = (await db.db.execute(sql`select tasks_per_sample, cpus, memory_bytes from pipeline_profiles
      where org_id = ${orgId} and pipeline = 'openproblems' and process = ${PROCESS}`)) as unknown as { tasks_per_sample: number; cpus: number | null; memory_bytes: number | null }[];
    const [vm] = (await db.db.execute(sql`select price_per_hour::float8 as hourly, vcpus, memory_gib::float8 as gib from prices
      where provider = 'azure' and vm_size = 'Standard_D8_v3' and priority = 'DEDICATED' and region = 'westeurope'
      order by effective_from desc limit 1`)) as unknown as { hourly: number; vcpus: number; gib: number }[];
    const share = Math.min(1, Math.max((profile.cpus ?? 1) / vm.vcpus, (profile.memory_bytes ?? 0) / (vm.gib * 2 ** 30)));
    const expected = profile.tasks_per_sample * 4 * vm.hourly * share * (p.runtimeMs / 3_600_000);
    assert.ok(Math.abs(p.value / expected - 1) < 1e-9, `${p.value} against ${expected}`);
    assert.ok(Math.abs(q.value - q.processes.reduce((a, x) => a + x.value, 0)) < 1e-12);
  });
});
