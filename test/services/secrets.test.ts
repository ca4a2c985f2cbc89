import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { SecretBox, SecretDecryptError } from '../../src/services/secrets.js';

const KEY = randomBytes(32);
const CONTEXT = 'cost_connections.secret_encrypted:org:conn';

test('a secret round-trips, with a fresh IV each time, as base64(iv | tag | ciphertext)', () => {
  const box = new SecretBox(KEY);
  const secret = 'Gx8Q~p4ss wörd 😀';
  const a = box.encrypt(secret, CONTEXT);
  const b = box.encrypt(secret, CONTEXT);
  assert.notEqual(a, b);
  assert.equal(box.decrypt(a, CONTEXT), secret);
  assert.equal(box.decrypt(b, CONTEXT), secret);
  // 12-byte IV + 16-byte tag + as many bytes as the UTF-8 plaintext
  assert.equal(Buffer.from(a, 'base64').length, 12 + 16 + Buffer.byteLength(secret));
  assert.ok(!a.includes(Buffer.from(secret).toString('base64')));
});

test('a wrong key, another context, a flipped bit or a truncation is refused, without the secret in the error', () => {
  const secret = 'Gx8Q~do-not-print';
  const stored = new SecretBox(KEY).encrypt(secret, CONTEXT);
  const refused = (e: unknown) => e instanceof SecretDecryptError && !e.message.includes(secret) && /GCT_SECRET_KEY|truncated/.test(e.message);
  assert.throws(() => new SecretBox(randomBytes(32)).decrypt(stored, CONTEXT), refused);
  assert.throws(() => new SecretBox(KEY).decrypt(stored, `${CONTEXT}x`), refused);
  const raw = Buffer.from(stored, 'base64');
  raw[raw.length - 1] ^= 1;
  assert.throws(() => new SecretBox(KEY).decrypt(raw.toString('base64'), CONTEXT), refused);
  assert.throws(() => new SecretBox(KEY).decrypt(Buffer.from(stored, 'base64').subarray(0, 20).toString('base64'), CONTEXT), refused);
  assert.throws(() => new SecretBox(randomBytes(16)), /32 bytes/);
});

test('GCT_SECRET_KEY is read as 64 hex digits or base64 of 32 bytes; anything else stops the boot, naming it without echoing it', () => {
  assert.deepEqual(loadConfig({ GCT_SECRET_KEY: KEY.toString('hex') }).secretKey, KEY);
  assert.deepEqual(loadConfig({ GCT_SECRET_KEY: KEY.toString('base64') }).secretKey, KEY);
  assert.deepEqual(loadConfig({ GCT_SECRET_KEY: KEY.toString('base64url') }).secretKey, KEY);
  assert.equal(loadConfig({}).secretKey, undefined);
  for (const bad of ['too-short-a-key', randomBytes(16).toString('base64'), randomBytes(31).toString('hex'), `${KEY.toString('hex')}00`, 'é'.repeat(44)]) {
    assert.throws(
      () => loadConfig({ GCT_SECRET_KEY: bad }),
      (e: unknown) => e instanceof ConfigError && e.message.includes('GCT_SECRET_KEY') && !e.message.includes(bad),
      bad,
    );
  }
});

test('Azure endpoints default to the public cloud, must be https, and the sync schedule can be changed or turned off', () => {
  const defaults = loadConfig({});
  assert.equal(defaults.azureAuthorityHost, 'https://login.microsoftonline.com');
  assert.equal(defaults.azureArmEndpoint, 'https://management.azure.com');
  assert.equal(defaults.costSyncCron, '0 */4 * * *');
  const custom = loadConfig({ GCT_AZURE_AUTHORITY_HOST: 'https://127.0.0.1:8443/', GCT_AZURE_ARM_ENDPOINT: 'https://arm.example.test', GCT_COST_SYNC_CRON: '15 2 * * 1-5' });
  assert.deepEqual([custom.azureAuthorityHost, custom.azureArmEndpoint, custom.costSyncCron], ['https://127.0.0.1:8443', 'https://arm.example.test', '15 2 * * 1-5']);
  assert.equal(loadConfig({ GCT_COST_SYNC_CRON: 'off' }).costSyncCron, undefined);
  assert.throws(() => loadConfig({ GCT_AZURE_ARM_ENDPOINT: 'http://management.azure.com' }), /GCT_AZURE_ARM_ENDPOINT must be a plain https URL/);
  assert.throws(() => loadConfig({ GCT_AZURE_AUTHORITY_HOST: 'login' }), /GCT_AZURE_AUTHORITY_HOST must be an https URL/);
  assert.throws(() => loadConfig({ GCT_COST_SYNC_CRON: 'every 4 hours' }), /GCT_COST_SYNC_CRON must be a 5-field cron/);
});
