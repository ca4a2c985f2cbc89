/**
 * Creates (or reuses) the fake Azure's TLS certificate and prints its path, for use before any test
 * process starts:
 *
 *   node .build/azure/test/fakes/azure/make-cert.js .data/test-cert
 *   NODE_EXTRA_CA_CERTS=.data/test-cert/cert.pem node --test …
 */
import path from 'node:path';
import { ensureTestCertificate } from './cert.js';
import { defaultCertDir } from './server.js';

const dir = process.argv[2] ? path.resolve(process.argv[2]) : defaultCertDir();
const { certPath } = ensureTestCertificate(dir);
process.stdout.write(`${certPath}\n`);
