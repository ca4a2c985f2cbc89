import { execFileSync } from 'node:child_process';
import { existsSync as pathExists } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, whether the test runs from `test/` (tsc output under `dist/` or `.build/x/`) or not. */
export const repoRoot = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));

/**
 * The shared, read-only real-data fixtures that sit beside the repository (`../shared/fixtures`).
 * A clone made elsewhere (`git clone <checkout> /tmp/x`) finds them beside the checkout it was cloned
 * from; `GCT_FIXTURES_DIR` overrides both.
 */
const fixturesDir = findFixtures();

export function fixturePath(...parts: string[]): string {
  return path.resolve(fixturesDir, ...parts);
}

function findFixtures(): string {
  const beside = (root: string) => path.resolve(root, '..', 'shared', 'fixtures');
  const origin = originCheckout();
  const candidates = [process.env.GCT_FIXTURES_DIR, beside(repoRoot), origin ? beside(origin) : undefined].filter((c): c is string => !!c);
  return candidates.find((c) => pathExists(c)) ?? beside(repoRoot);
}

/** The local checkout this one was cloned from, if its origin is a path on this machine. */
function originCheckout(): string | null {
  try {
    const url = execFileSync('git', ['-C', repoRoot, 'config', '--get', 'remote.origin.url'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const local = url.startsWith('file://') ? fileURLToPath(url) : url;
    return path.isAbsolute(local) && pathExists(local) ? local : null;
  } catch {
    return null;
  }
}

function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    // the compiled test lives below dist/ or .build/<x>/; the root is the folder with package.json and src/
    if (path.basename(dir) !== 'dist' && pathExists(path.join(dir, 'package.json')) && pathExists(path.join(dir, 'src'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no repository root above ${start}`);
    dir = parent;
  }
}
