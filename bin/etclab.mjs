#!/usr/bin/env node
// The `etclab` command. Runs the prebuilt bundle (.build/cli, made by scripts/build-cli.mjs from this
// checkout, rebuilt here first when a source is newer); ETCLAB_DEV=1 runs the TypeScript through tsx instead.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const command = args.find((a, i) => !a.startsWith('-') && !['-i', '--inventory'].includes(args[i - 1] ?? ''));
const heapSet = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes('--max-old-space-size'));
if (command === 'replay' && !heapSet) {
  // A replay streams month-long tables: its live set is one sort chunk and the GCXH index (~100 MiB), but
  // V8 lets garbage grow the heap to several times that first. A bounded heap keeps its RSS to what it holds.
  // Its own process group, so a Ctrl-C reaches it once (forwarded), not twice (a second one means "quit at once").
  const child = spawn(process.execPath, ['--max-old-space-size=144', ...process.execArgv, process.argv[1], ...args], { stdio: 'inherit', detached: true });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
} else if (process.env.ETCLAB_DEV === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
} else {
  const bundle = new URL('../.build/cli/', import.meta.url);
  let fresh = false;
  try {
    const { sourcesNewest } = await import('../scripts/cli-stamp.mjs');
    fresh = JSON.parse(readFileSync(new URL('stamp.json', bundle), 'utf8')).sourcesNewest >= sourcesNewest();
  } catch {
    fresh = false;
  }
  if (!fresh) {
    const { buildCli } = await import('../scripts/build-cli.mjs');
    await buildCli();
  }
  await import(new URL('main.js', bundle).href);
}
