// Builds the CLI into .build/cli/ (esbuild, ESM, one chunk per command group, npm packages left to Node's
// resolution) plus pulumi-step.mjs (the offline Pulumi provider's executor entry), and writes help.txt beside
// it, so `etclab` starts without compiling TypeScript. bin/etclab.mjs runs it, and rebuilds it first when a
// source file is newer than the build (sourcesNewerThan below).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { ROOT, sourcesNewest } from './cli-stamp.mjs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = ROOT;
export const OUT = join(root, '.build', 'cli');

export async function buildCli({ quiet = false } = {}) {
  const t0 = Date.now();
  const stamp = sourcesNewest();
  // Built beside, then swapped in: a second etclab starting meanwhile sees the old build or the new one.
  const tmp = `${OUT}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const common = {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
    define: { __ETCLAB_BUNDLED__: 'true' },
    // The generated Thrift code is CommonJS and requires 'thrift': give the ESM chunks a require().
    banner: { js: "import { createRequire as __etclabRequire } from 'node:module'; const require = __etclabRequire(import.meta.url);" },
  };
  await build({ ...common, entryPoints: [join(root, 'cli/main.ts')], outdir: tmp, splitting: true, jsx: 'automatic' });
  // The offline Pulumi provider's executor entry (stacks/run-step.ts): one self-contained file, no chunks, so a
  // provider process that loaded it is not broken by a rebuild swapping the chunks under it.
  await build({ ...common, entryPoints: [join(root, 'stacks/run-step.ts')], outfile: join(tmp, 'pulumi-step.mjs') });
  const help = execFileSync(process.execPath, [join(tmp, 'main.js')], { env: { ...process.env, ETCLAB_DUMP_HELP: '1' }, encoding: 'utf8' });
  writeFileSync(join(tmp, 'help.txt'), help);
  writeFileSync(join(tmp, 'stamp.json'), JSON.stringify({ sourcesNewest: stamp, builtAt: new Date().toISOString() }));
  const old = `${OUT}.old-${process.pid}`;
  try {
    renameSync(OUT, old);
  } catch {
    // No earlier build.
  }
  renameSync(tmp, OUT);
  rmSync(old, { recursive: true, force: true });
  if (!quiet) process.stderr.write(`etclab: CLI built into ${OUT} in ${Date.now() - t0} ms\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildCli();
