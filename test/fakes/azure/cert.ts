import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface TestCertificate {
  certPath: string;
  keyPath: string;
  /** PEM */
  cert: string;
  /** PEM (PKCS#1/PKCS#8 as `selfsigned` writes it) */
  key: string;
}

// selfsigned@2's index.d.ts declares `generate` without exporting it, so a typed ESM import does
// not compile; load the CommonJS module and type the one call we make.
interface SelfsignedModule {
  generate(
    attrs: Array<{ name: string; value: string }>,
    opts: { days: number; keySize: number; algorithm: string; extensions: object[] },
  ): { private: string; public: string; cert: string };
}
const selfsigned = createRequire(import.meta.url)('selfsigned') as SelfsignedModule;

const CERT_FILE = 'cert.pem';
const KEY_FILE = 'key.pem';
/** Regenerate well before expiry so a long-lived checkout never hits an expired certificate mid-run. */
const MIN_REMAINING_MS = 7 * 24 * 3600 * 1000;

/**
 * A self-signed certificate for `localhost` and `127.0.0.1`, generated once and cached in `dir`.
 *
 * The test process can only trust it through NODE_EXTRA_CA_CERTS, which Node reads at start-up, so
 * the certificate must exist (and stay the same) before any test process starts: regenerating it
 * while tests run would leave those processes trusting the old one. Hence "reuse if still valid".
 */
export function ensureTestCertificate(dir: string): TestCertificate {
  const certPath = path.resolve(dir, CERT_FILE);
  const keyPath = path.resolve(dir, KEY_FILE);
  const cached = readUsable(certPath, keyPath);
  if (cached) return cached;

  const generated = selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    days: 825,
    keySize: 2048,
    // OpenSSL 3 (Node 20) rejects SHA-1 signatures at the default security level.
    algorithm: 'sha256',
    extensions: [
      // It is its own CA: NODE_EXTRA_CA_CERTS adds it as a trust anchor and it also serves as the leaf.
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' }, // DNS
          { type: 7, ip: '127.0.0.1' }, // IP
        ],
      },
    ],
  });

  mkdirSync(dir, { recursive: true });
  // Parallel test processes may race here: write to unique temp names, then rename (atomic on one
  // file system), so nobody ever reads half a PEM or a key that belongs to another certificate.
  // The key is renamed first; a reader that sees the new cert therefore also sees its key.
  const suffix = `.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(keyPath + suffix, generated.private, { mode: 0o600 });
  writeFileSync(certPath + suffix, generated.cert);
  renameSync(keyPath + suffix, keyPath);
  renameSync(certPath + suffix, certPath);
  return { certPath, keyPath, cert: generated.cert, key: generated.private };
}

function readUsable(certPath: string, keyPath: string): TestCertificate | undefined {
  let cert: string;
  let key: string;
  try {
    cert = readFileSync(certPath, 'utf8');
    key = readFileSync(keyPath, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const x509 = new X509Certificate(cert);
    const sans = x509.subjectAltName ?? '';
    if (!sans.includes('DNS:localhost') || !sans.includes('IP Address:127.0.0.1')) return undefined;
    if (Date.parse(x509.validTo) - Date.now() < MIN_REMAINING_MS) return undefined;
    if (!x509.checkPrivateKey(createPrivateKey(key))) return undefined;
  } catch {
    return undefined;
  }
  return { certPath, keyPath, cert, key };
}
