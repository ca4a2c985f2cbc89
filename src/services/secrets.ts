import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** The setting that holds the key; named in every error a missing or wrong key causes. */
export const SECRET_KEY_SETTING = 'GCT_SECRET_KEY';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
/** 96-bit IVs are what GCM is specified for; a fresh random one per encryption. */
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A stored secret that cannot be opened: wrong key, tampered or truncated. Never carries the secret. */
export class SecretDecryptError extends Error {
  override readonly name = 'SecretDecryptError';
}

/**
 * AES-256-GCM for the few secrets the database must hold (Azure client secrets). Stored form:
 * base64(iv | tag | ciphertext). `context` is bound in as additional authenticated data, so a
 * ciphertext copied onto another row (another connection, another organization) does not open.
 *
 * One key, no rotation: changing GCT_SECRET_KEY makes every stored secret unreadable (syncs fail
 * naming the setting) until each connection's secret is entered again.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new RangeError(`${SECRET_KEY_SETTING} must be ${KEY_BYTES} bytes, got ${key.length}`);
    this.#key = Buffer.from(key);
  }

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
  }

  decrypt(stored: string, context: string): string {
    const raw = Buffer.from(stored, 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretDecryptError('the stored secret is truncated or not in the iv|tag|ciphertext form');
    const decipher = createDecipheriv(ALGORITHM, this.#key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      // GCM says only "unable to authenticate": the usual cause is a changed key
      throw new SecretDecryptError(`the stored secret does not open with the configured ${SECRET_KEY_SETTING} (was the key changed?) or was altered`);
    }
  }
}

/**
 * Parses the key setting: 64 hex digits, or base64 / base64url of exactly 32 bytes. The message
 * names the setting and the expected form, never the value.
 */
export function parseSecretKey(raw: string): Buffer {
  const value = raw.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
    const key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === KEY_BYTES) return key;
  }
  throw new Error(`${SECRET_KEY_SETTING} must be ${KEY_BYTES} random bytes written as 64 hex digits or as base64 (e.g. \`openssl rand -base64 32\`)`);
}
