import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTags } from '../../../src/ingest/costs/index.js';

describe('parseTags', () => {
  it('reads a JSON object', () => {
    assert.deepEqual(parseTags('{"application": "BrightLensMatrix", "environment": "dev"}'), {
      ok: true,
      tags: { application: 'BrightLensMatrix', environment: 'dev' },
    });
  });

  it('reads the brace-less "k": "v" list of older Azure exports', () => {
    assert.deepEqual(parseTags('"CostCenter": "SubACM","org": ""'), { ok: true, tags: { CostCenter: 'SubACM', org: '' } });
  });

  it('keeps keys as written and turns non-string values into strings', () => {
    assert.deepEqual(parseTags('{" org": "trey", "n": 2, "b": true, "z": null, "o": {"a": 1}}'), {
      ok: true,
      tags: { ' org': 'trey', n: '2', b: 'true', z: '', o: '{"a":1}' },
    });
  });

  it('treats empty as no tags', () => {
    assert.deepEqual(parseTags(''), { ok: true, tags: {} });
    assert.deepEqual(parseTags(null), { ok: true, tags: {} });
    assert.deepEqual(parseTags('{}'), { ok: true, tags: {} });
  });

  it('refuses what is neither', () => {
    for (const bad of ['env=prod', '["a"]', '"a"', '{"a": "b"', 'null', '42']) assert.deepEqual(parseTags(bad), { ok: false }, bad);
  });
});
