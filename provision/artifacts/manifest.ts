// manifest.sha256: `sha256sum`-compatible lines for every file below an artifact dir, sorted by path.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { MANIFEST } from './spec.ts';

async function filesBelow(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesBelow(root, p)));
    else if (e.isFile() || e.isSymbolicLink()) out.push(relative(root, p).split(sep).join('/'));
  }
  return out;
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (b) => h.update(b))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** path → sha256 of every file except the manifest itself. */
export async function computeManifest(dir: string): Promise<Map<string, string>> {
  const files = (await filesBelow(dir)).filter((f) => f !== MANIFEST).sort();
  const out = new Map<string, string>();
  for (const f of files) out.set(f, await sha256File(join(dir, f)));
  return out;
}

export function formatManifest(m: Map<string, string>): string {
  return [...m].map(([f, h]) => `${h}  ${f}\n`).join('');
}

export function parseManifest(text: string, where: string): Map<string, string> {
  const out = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!m) throw new Error(`${where}:${i + 1}: not a "<sha256>  <path>" line`);
    out.set(m[2], m[1]);
  });
  return out;
}

/** Human-readable differences, empty when equal. */
export function diffManifest(expected: Map<string, string>, actual: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const [f, h] of expected) {
    const a = actual.get(f);
    if (a === undefined) problems.push(`${f} missing`);
    else if (a !== h) problems.push(`${f} changed (sha256 ${a.slice(0, 12)}…, manifest says ${h.slice(0, 12)}…)`);
  }
  for (const f of actual.keys()) if (!expected.has(f)) problems.push(`${f} not in the manifest`);
  return problems;
}
