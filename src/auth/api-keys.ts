import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'gct_';

/** A new API key: `gct_<8 visible chars>_<secret>`. Only its hash is stored. */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const visible = randomBytes(6).toString('base64url').slice(0, 8);
  const secret = randomBytes(32).toString('base64url');
  const key = `${PREFIX}${visible}_${secret}`;
  return { key, prefix: keyPrefix(key), hash: hashApiKey(key) };
}

export const looksLikeApiKey = (token: string) => token.startsWith(PREFIX);

export const keyPrefix = (key: string) => key.slice(0, PREFIX.length + 8);

/** SHA-256 is enough here: keys are 256-bit random, so there is nothing for a slow hash to protect. */
export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');
