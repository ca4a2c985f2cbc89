import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseWeblogEvent, parseWeblogJson, WeblogFormatError } from '../../../src/ingest/nextflow/weblog.js';
import { weblogFixture } from './helpers.js';

type Json = Record<string, unknown>;

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof WeblogFormatError, `expected WeblogFormatError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

const COMPLETED_TEXT = weblogFixture('weblog_process_completed_example.json');
const STARTED_TEXT = weblogFixture('weblog_started_example.json');

describe('process_completed fixture', () => {
  const json = JSON.parse(COMPLETED_TEXT) as Json;
  const trace = json.trace as Json;
  const event = parseWeblogJson(COMPLETED_TEXT);

  it('keeps the envelope', () => {
    assert.equal(event.event, 'process_completed');
    assert.equal(event.runName, json.runName);
    assert.equal(event.runId, json.runId);
    assert.equal(event.utcTime.getTime(), Date.parse(json.utcTime as string));
    assert.equal(event.metadata, undefined);
  });

  it('turns the raw trace into a TaskRecord with the same values', () => {
    const r = event.trace;
    assert.ok(r);
    assert.equal(r.taskId, trace.task_id);
    assert.equal(r.status, trace.status);
    assert.equal(r.hash, trace.hash);
    assert.equal(r.name, trace.name);
    assert.equal(r.process, trace.process);
    assert.equal(r.tag, trace.tag);
    assert.equal(r.exit, trace.exit);
    assert.equal(r.submit?.getTime(), trace.submit);
    assert.equal(r.start?.getTime(), trace.start);
    assert.equal(r.complete?.getTime(), trace.complete);
    assert.equal(r.durationMs, trace.duration);
    assert.equal(r.realtimeMs, trace.realtime);
    assert.equal(r.pcpu, trace['%cpu']);
    assert.equal(r.pmem, trace['%mem']);
    assert.equal(r.rss, trace.rss);
    assert.equal(r.vmem, trace.vmem);
    assert.equal(r.peakRss, trace.peak_rss);
    assert.equal(r.peakVmem, trace.peak_vmem);
    assert.equal(r.rchar, trace.rchar);
    assert.equal(r.wchar, trace.wchar);
    assert.equal(r.syscr, trace.syscr);
    assert.equal(r.syscw, trace.syscw);
    assert.equal(r.readBytes, trace.read_bytes);
    assert.equal(r.writeBytes, trace.write_bytes);
    assert.equal(r.attempt, trace.attempt);
    assert.equal(r.workdir, trace.workdir);
    assert.equal(r.container, trace.container);
    assert.equal(r.cpus, trace.cpus);
    assert.equal(r.memory, trace.memory);
    assert.equal(r.time, trace.time);
    assert.equal(r.disk, trace.disk);
    assert.equal(r.scratch, trace.scratch);
    assert.equal(r.queue, trace.queue);
    assert.equal(r.errorAction, trace.error_action);
    // a JSON number in the payload; the record always holds executor ids as text
    assert.equal(r.nativeId, String(trace.native_id));
    // an empty module list is null, as a trace file's "-" is
    assert.deepEqual(trace.module, []);
    assert.equal(r.module, null);
  });

  it('leaves out a trace value that is not what the field holds, with a warning naming it; the task key must read', () => {
    const bad = structuredClone(json);
    (bad.trace as Json)['%cpu'] = 'abc';
    (bad.trace as Json).cpus = 3_000_000_000;
    const event = parseWeblogEvent(bad);
    assert.equal(event.trace?.pcpu, null);
    assert.equal(event.trace?.cpus, null);
    assert.equal(event.trace?.taskId, (json.trace as Json).task_id);
    assert.match(event.warnings.join('\n'), /trace\.%cpu.*"abc"/);
    assert.match(event.warnings.join('\n'), /trace\.cpus.*3000000000/);
    assert.deepEqual(parseWeblogEvent(json).warnings, []);
    const badKey = structuredClone(json);
    (badKey.trace as Json).attempt = 1.5;
    refused(() => parseWeblogEvent(badKey), /trace\.attempt/);
    const noId = structuredClone(json);
    delete (noId.trace as Json).task_id;
    refused(() => parseWeblogEvent(noId), /trace\.task_id/);
  });

  it('maps Nextflow\'s "no exit status yet" sentinel to null', () => {
    const submitted = structuredClone(json);
    submitted.event = 'process_submitted';
    (submitted.trace as Json).exit = 2147483647;
    assert.equal(parseWeblogEvent(submitted).trace?.exit, null);
  });

  it('requires the trace on process events', () => {
    const noTrace = structuredClone(json);
    delete noTrace.trace;
    refused(() => parseWeblogEvent(noTrace), /process_completed.*"trace"/);
  });
});

describe('started fixture', () => {
  const lines = STARTED_TEXT.split('\n');
  // The published example closes workflow.nextflow with "}," right before the "}" that
  // closes workflow: a trailing comma. Find it by its shape, not by a remembered number.
  const comma = lines.findIndex((l, i) => /^\s*},\s*$/.test(l) && /^\s*}/.test(lines[i + 1] ?? ''));

  it('is refused as published, with the line and the cause', () => {
    assert.ok(comma > 0, 'the fixture no longer has its stray comma');
    refused(() => parseWeblogJson(STARTED_TEXT), new RegExp(`invalid JSON at line ${comma + 2}\\b.*trailing comma`));
  });

  /*
   * Two ways to repair it, for the two metadata layouts: dropping the comma leaves stats,
   * success, duration... beside `workflow` (the documented layout); dropping the stray line
   * and closing one more brace puts them inside `workflow`, where Nextflow's
   * WorkflowMetadata actually has them.
   */
  const besideWorkflow = lines.map((l, i) => (i === comma ? l.replace('},', '}') : l)).join('\n');
  const insideWorkflow = lines.filter((_, i) => i !== comma + 1).join('\n').trimEnd() + '\n}\n';

  for (const [layout, text] of [['stats beside workflow', besideWorkflow], ['stats inside workflow', insideWorkflow]] as const) {
    it(`parses once repaired (${layout}), with its metadata`, () => {
      const json = JSON.parse(text) as Json;
      const metadata = json.metadata as Json;
      const workflow = metadata.workflow as Json;
      const stats = (workflow.stats ?? metadata.stats) as Json;
      const success = workflow.success ?? metadata.success;
      assert.ok(stats, 'repair lost the stats');

      const event = parseWeblogJson(text);
      assert.equal(event.event, 'started');
      assert.equal(event.trace, undefined);
      const info = event.metadata;
      assert.ok(info);
      assert.equal(info.sessionId, workflow.sessionId);
      assert.equal(info.runName, workflow.runName);
      assert.equal(info.start?.getTime(), Date.parse(workflow.start as string));
      assert.equal(info.complete, null);
      assert.equal(info.durationMs, null);
      assert.equal(info.success, success);
      assert.equal(info.resume, workflow.resume ?? metadata.resume);
      assert.equal(info.commandLine, workflow.commandLine);
      assert.equal(info.repository, workflow.repository);
      assert.equal(info.revision, workflow.revision);
      assert.equal(info.commitId, workflow.commitId);
      assert.equal(info.profile, workflow.profile);
      assert.equal(info.container, workflow.container);
      assert.equal(info.containerEngine, workflow.containerEngine);
      assert.equal(info.userName, workflow.userName);
      assert.equal(info.projectName, null);
      assert.deepEqual(info.manifest, { name: (workflow.manifest as Json).name, version: (workflow.manifest as Json).version });
      assert.equal(info.nextflowVersion, (workflow.nextflow as Json).version);
      assert.deepEqual(info.params, metadata.params);
      assert.deepEqual(info.stats, {
        succeededCount: stats.succeedCount,
        cachedCount: stats.cachedCount,
        failedCount: stats.failedCount,
        ignoredCount: stats.ignoredCount,
        abortedCount: null,
        retriesCount: null,
        succeededDurationMs: stats.succeedDuration,
        cachedDurationMs: stats.cachedDuration,
        failedDurationMs: stats.failedDuration,
        peakCpus: null,
        peakMemory: null,
      });
    });
  }
});

describe('current Nextflow metadata layout', () => {
  it('reads `parameters`, stats inside workflow, a duration in ms and a per-process container map', () => {
    const body = {
      runName: 'tiny_turing', runId: 'a1b2', event: 'completed', utcTime: '2024-02-01T10:00:00Z',
      metadata: {
        parameters: { input: 's3://bucket/samplesheet.csv', genome: 'GRCh38' },
        workflow: {
          sessionId: 'a1b2', runName: 'tiny_turing', projectName: 'nf-core/rnaseq',
          start: '2024-02-01T08:00:00Z', complete: '2024-02-01T10:00:00Z', duration: 7_200_000,
          success: false, exitStatus: 1, errorMessage: 'Process `ALIGN` terminated with an error exit status (137)',
          container: { ALIGN: 'star:2.7', QC: 'fastqc:0.12' },
          stats: { succeededCount: 10, failedCount: 1, abortedCount: 2, retriesCount: 3, peakCpus: 32, peakMemory: 68_719_476_736 },
          nextflow: { version: '23.10.1', build: 5891 },
        },
      },
    };
    const info = parseWeblogEvent(body).metadata!;
    assert.deepEqual(info.params, body.metadata.parameters);
    assert.equal(info.projectName, 'nf-core/rnaseq');
    assert.equal(info.durationMs, 2 * 60 * 60 * 1000);
    assert.equal(info.complete!.getTime() - info.start!.getTime(), info.durationMs);
    assert.equal(info.success, false);
    assert.equal(info.exitStatus, 1);
    assert.match(info.errorMessage ?? '', /ALIGN/);
    assert.deepEqual(info.container, { ALIGN: 'star:2.7', QC: 'fastqc:0.12' });
    assert.equal(info.stats?.succeededCount, 10);
    assert.equal(info.stats?.abortedCount, 2);
    assert.equal(info.stats?.peakMemory, 64 * 1024 ** 3);
    assert.equal(info.nextflowVersion, '23.10.1');
  });

  it('names a mistyped metadata field; an unreadable start or end is null with a warning naming it, the event is kept', () => {
    const body = { runName: 'x', runId: 'y', event: 'started', utcTime: '2024-02-01T10:00:00Z', metadata: { parameters: { project: 'P1' }, workflow: { start: 'soon' } } };
    const event = parseWeblogEvent(body);
    assert.equal(event.metadata!.start, null);
    assert.deepEqual(event.metadata!.params, { project: 'P1' });
    assert.equal(event.warnings?.length, 1);
    assert.match(event.warnings![0], /metadata\.workflow\.start.*"soon"/);
    const body2 = { ...body, metadata: { workflow: { success: 'yes' } } };
    refused(() => parseWeblogEvent(body2), /metadata\.workflow\.success/);
    assert.deepEqual(parseWeblogEvent({ ...body, metadata: { workflow: { start: '2024-02-01T08:00:00Z' } } }).warnings, []);
  });

  it('reads the Java OffsetDateTime object Nextflow 21.x sent for workflow.start and workflow.complete', () => {
    const odt = (over: object = {}) => ({
      month: 'AUGUST', offset: { totalSeconds: 7200, id: '+02:00' }, second: 25, hour: 11, nano: 219341000, year: 2021, dayOfMonth: 25, minute: 35, monthValue: 8,
      dayOfWeek: 'WEDNESDAY', dayOfYear: 237, ...over,
    });
    const body = (workflow: object) => ({ runName: 'odt', runId: 'y', event: 'completed', utcTime: '2021-08-25T09:35:25Z', metadata: { parameters: { project: 'P1' }, workflow } });
    const event = parseWeblogEvent(body({ start: odt(), complete: odt({ hour: 12, nano: 0, offset: { totalSeconds: 0, id: 'Z' } }), success: true }));
    assert.equal(event.metadata!.start?.toISOString(), '2021-08-25T09:35:25.219Z');
    assert.equal(event.metadata!.complete?.toISOString(), '2021-08-25T12:35:25.000Z');
    assert.deepEqual(event.warnings, []);
    const bad = parseWeblogEvent(body({ start: odt({ monthValue: 13 }), complete: odt({ monthValue: 6, dayOfMonth: 31 }), success: true }));
    assert.deepEqual([bad.metadata!.start, bad.metadata!.complete, bad.metadata!.success], [null, null, true]);
    assert.equal(bad.warnings?.length, 2);
    assert.match(bad.warnings![0], /metadata\.workflow\.start.*monthValue/);
    assert.match(bad.warnings![1], /metadata\.workflow\.complete.*no day 31/);
  });
});

describe('bodies that are not weblog events', () => {
  const envelope = { runName: 'r', runId: 'id', event: 'error', utcTime: '2024-02-01T10:00:00Z' };

  it('refuses {}, naming the event field', () => refused(() => parseWeblogEvent({}), /missing field "event"/));
  it('refuses an unknown event, naming the field and the value', () =>
    refused(() => parseWeblogEvent({ event: 'nope' }), /field "event" is "nope".*process_completed/));
  it('refuses an array, a string and null', () => {
    refused(() => parseWeblogEvent([]), /JSON object.*array/);
    refused(() => parseWeblogJson('[{"event":"started"}]'), /JSON object.*array/);
    refused(() => parseWeblogEvent('started'), /JSON object.*string/);
    refused(() => parseWeblogEvent(null), /JSON object.*null/);
  });
  it('refuses a missing or mistyped envelope field, naming it', () => {
    const { runId: _drop, ...noRunId } = envelope;
    refused(() => parseWeblogEvent(noRunId), /"runId"/);
    refused(() => parseWeblogEvent({ ...envelope, runName: 7 }), /"runName"/);
    refused(() => parseWeblogEvent({ ...envelope, utcTime: 'noon' }), /"utcTime".*"noon"/);
    refused(() => parseWeblogEvent({ ...envelope, trace: 'x' }), /"trace" must be an object/);
  });
  it('accepts an error event without a trace', () => {
    assert.equal(parseWeblogEvent(envelope).event, 'error');
  });
  it('refuses an empty body and truncated JSON with a clear message', () => {
    refused(() => parseWeblogJson(''), /empty/);
    refused(() => parseWeblogJson('{"event": "started", "runName"'), /invalid JSON/);
    refused(() => parseWeblogJson(COMPLETED_TEXT.slice(0, 200)), /invalid JSON/);
  });

  it('a parameter holding a NUL character is left out with a warning; the event and its other params are kept', () => {
    const event = parseWeblogEvent({
      runName: 'r', runId: '3c1f2c7e-0000-4000-8000-00000000000c', event: 'started', utcTime: '2024-02-01T08:00:00Z',
      metadata: { parameters: { project: 'P1', note: 'a\u0000b', 'bad\u0000key': 1 }, workflow: { start: '2024-02-01T08:00:00Z' } },
    });
    assert.deepEqual(event.metadata?.params, { project: 'P1' });
    assert.equal(event.warnings.length, 2);
    assert.match(event.warnings.join('\n'), /metadata\.parameters\.note.*left out/);
  });

  it("a NUL in the run's messages keeps them with it shown as ␀, in a name leaves that name out; each with a warning, the rest kept", () => {
    const event = parseWeblogEvent({
      runName: 'r', runId: '3c1f2c7e-0000-4000-8000-00000000000d', event: 'completed', utcTime: '2024-02-01T09:00:00Z',
      metadata: {
        parameters: { project: 'P1' },
        workflow: {
          start: '2024-02-01T08:00:00Z', complete: '2024-02-01T09:00:00Z', success: false, exitStatus: 1, runName: 'r\u0000',
          errorMessage: 'Process `ALIGN (s1)` terminated\u0000 with an error', errorReport: 'stderr: \u0000\u0000!', commandLine: 'nextflow run x\u0000',
          manifest: { name: 'nf-core/rnaseq\u0000', version: '3.14.0' }, projectName: 'nf-core/rnaseq', revision: 'v\u00003', workDir: '/work\u0000',
          container: { ALIGN: 'bwa\u0000', SORT: 'samtools' }, nextflow: { version: '24.04.0' },
        },
      },
    });
    const info = event.metadata!;
    assert.deepEqual(
      [info.errorMessage, info.errorReport, info.commandLine],
      ['Process `ALIGN (s1)` terminated\u2400 with an error', 'stderr: \u2400\u2400!', 'nextflow run x\u2400'],
    );
    assert.deepEqual(
      [info.runName, info.manifest.name, info.revision, info.workDir, info.container],
      [null, null, null, null, { SORT: 'samtools' }],
    );
    assert.deepEqual(
      [info.projectName, info.manifest.version, info.nextflowVersion, info.success, info.exitStatus, info.params],
      ['nf-core/rnaseq', '3.14.0', '24.04.0', false, 1, { project: 'P1' }],
    );
    const warned = (field: string) => event.warnings.filter((w) => w.startsWith(`field "metadata.workflow.${field}" `));
    for (const field of ['errorMessage', 'errorReport', 'commandLine']) assert.match(warned(field).join(), /NUL.*kept with each shown as ␀/, field);
    for (const field of ['runName', 'manifest.name', 'revision', 'workDir', 'container.ALIGN']) assert.match(warned(field).join(), /NUL.*left out/, field);
    assert.equal(event.warnings.length, 8);
  });
});
