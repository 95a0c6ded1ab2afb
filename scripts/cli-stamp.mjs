// When the CLI bundle is stale: the newest mtime of the sources it is built from (cheap: stats only, no esbuild).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The folders the CLI bundle is built from; a newer file in one of them makes the build stale. */
export const SOURCE_DIRS = ['cli', 'ops', 'provision', 'pipeline', 'console', 'query', 'web', 'stacks'];

export function sourcesNewest() {
  let newest = statSync(join(ROOT, 'package.json')).mtimeMs;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of SOURCE_DIRS) walk(join(ROOT, d));
  return newest;
}
