import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_KEY_BYTES } from '../../src/input/text.js';
import { boundedKey } from '../../src/services/bounded-key.js';

describe('boundedKey (index keys derived from stored values)', () => {
  test('a value that fits is its own key', () => {
    assert.equal(boundedKey(''), '');
    assert.equal(boundedKey('Virtual Machines'), 'Virtual Machines');
    const full = 'é'.repeat(MAX_KEY_BYTES / 2);
    assert.equal(boundedKey(full), full);
  });

  test('a longer one keeps its start, cut between characters, and the digest of the whole: bounded, stable, distinct, idempotent', () => {
    const long = '🧬'.repeat(2000);
    const key = boundedKey(long);
    assert.ok(Buffer.byteLength(key) <= MAX_KEY_BYTES, `${Buffer.byteLength(key)} bytes`);
    assert.match(key, /^(🧬)+…sha256:[0-9a-f]{64}$/u);
    assert.equal(boundedKey(long), key);
    assert.equal(boundedKey(key), key);
    assert.notEqual(boundedKey(`${long}x`), key, 'values sharing their start stay apart');
  });
});
