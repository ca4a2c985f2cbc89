import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root, whether the test runs from `test/` (tsc output under `dist/` or `.build/x/`) or not. */
export const repoRoot = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));

/** The shared, read-only real-data fixtures that sit beside the repository (`../shared/fixtures`). */
export function fixturePath(...parts: string[]): string {
  return path.resolve(repoRoot, '..', 'shared', 'fixtures', ...parts);
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

import { existsSync as pathExists } from 'node:fs';
