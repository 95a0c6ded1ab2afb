// Single-core cleaning throughput over the shared ETC data set (<repo>/../shared/data/etc).
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanFiles } from '../pipeline/data/clean.ts';
import { expandInputs } from '../pipeline/data/inputs.ts';

export async function benchClean(): Promise<Record<string, number>> {
  const dataDir = fileURLToPath(new URL('../../shared/data/etc', import.meta.url));
  const files = await expandInputs([dataDir]);
  if (files.length === 0) throw new Error(`no CSV files in ${dataDir}`);
  let bytes = 0;
  for (const f of files) bytes += (await stat(f)).size;
  const out = await mkdtemp(join(tmpdir(), 'etclab-bench-clean-'));
  try {
    const t0 = process.hrtime.bigint();
    const results = await cleanFiles(files, { outDir: out });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const rows = results.reduce((s, r) => s + r.rows, 0);
    const written = results.reduce((s, r) => s + r.written, 0);
    return {
      files: files.length,
      rows,
      written,
      seconds: Number(seconds.toFixed(3)),
      rowsPerSec: Math.round(rows / seconds),
      mbPerSec: Number((bytes / 1e6 / seconds).toFixed(2)),
    };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await benchClean();
  for (const [k, v] of Object.entries(r)) console.log(`${k}\t${v}`);
}
