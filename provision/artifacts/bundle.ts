// The pipeline's runtime: one esbuild bundle of pipeline/service/main.ts (kafkajs, mysql2, ioredis, thrift
// and the generated HBase clients inside), so a node needs Node.js and this one file, not the repo.
// Built on the controller before a plan that ships it, unless that version (a digest of the sources) is
// already built and verifies, so a node always gets the code of the checkout that runs `etclab`.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyArtifact } from './cache.ts';
import { computeManifest, formatManifest } from './manifest.ts';
import { MANIFEST, artifactDir, cacheRoot } from './spec.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PIPELINE_ENTRY = join(REPO, 'pipeline', 'service', 'main.ts');
export const PIPELINE_BUNDLE = 'pipeline.mjs';

function sourcesBelow(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourcesBelow(p);
    // Tests and their kits are not in the bundle: editing them must not restart the consumers.
    return /\.(ts|js|json)$/.test(e.name) && !/\.test\.ts$|^testkit\.ts$|^testdata\.ts$/.test(e.name) ? [p] : [];
  });
}

/**
 * The bundle's version: the package's plus a digest of the pipeline's sources and the lockfile. A code
 * change is a new version, hence a new path in the consumer's config, hence a restart by the next `up`.
 */
export function pipelineVersion(): string {
  const h = createHash('sha256');
  for (const f of [...sourcesBelow(join(REPO, 'pipeline')), join(REPO, 'package-lock.json')].sort()) h.update(f.slice(REPO.length)).update(readFileSync(f));
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
  return `${pkg.version}-${h.digest('hex').slice(0, 10)}`;
}

export async function buildPipelineBundle(a: { service: string; version: string }, root = cacheRoot()): Promise<{ dir: string; bytes: number; changed: boolean }> {
  const dir = artifactDir(a, root);
  // The version is a digest of the sources: a verified build of it is this code already.
  const built = await verifyArtifact(a, root).catch(() => null);
  if (built) return { dir, bytes: (await stat(join(dir, PIPELINE_BUNDLE))).size, changed: false };
  const { build } = await import('esbuild');
  const stage = `${dir}.build-${process.pid}`;
  await rm(stage, { recursive: true, force: true });
  await mkdir(stage, { recursive: true });
  try {
    const r = await build({
      entryPoints: [PIPELINE_ENTRY],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      outfile: join(stage, PIPELINE_BUNDLE),
      // Bundled CommonJS (kafkajs, mysql2 …) calls require() for Node built-ins.
      banner: { js: "import { createRequire as __etclabRequire } from 'node:module'; const require = __etclabRequire(import.meta.url);" },
      // The inventory code is only for runs from a checkout (--inventory); a node gets --config.
      external: ['../../provision/*'],
      logLevel: 'silent',
      legalComments: 'none',
    });
    if (r.errors.length) throw new Error(r.errors.map((e) => e.text).join('; '));
    const manifest = await computeManifest(stage);
    const text = formatManifest(manifest);
    await writeFile(join(stage, MANIFEST), text);
    const before = await readFile(join(dir, MANIFEST), 'utf8').catch(() => null);
    const bytes = (await readFile(join(stage, PIPELINE_BUNDLE))).length;
    if (before === text) {
      await rm(stage, { recursive: true, force: true });
      return { dir, bytes, changed: false };
    }
    await rm(dir, { recursive: true, force: true });
    await rename(stage, dir);
    return { dir, bytes, changed: true };
  } catch (e) {
    await rm(stage, { recursive: true, force: true });
    throw new Error(`building the pipeline bundle from ${PIPELINE_ENTRY} failed: ${(e as Error).message}`);
  }
}

/** Builds the bundle of every pipeline sync step of a plan (the direct executor and the Pulumi program). */
export async function buildBundlesOf(steps: Array<{ action: { kind: string } & Record<string, unknown> }>, log?: (line: string) => void): Promise<void> {
  const seen = new Set<string>();
  for (const s of steps) {
    const a = s.action as { kind: string; from?: string; artifact?: { service: string; version: string } };
    if (a.kind !== 'sync' || a.artifact?.service !== 'pipeline' || seen.has(a.from!)) continue;
    seen.add(a.from!);
    const b = await buildPipelineBundle(a.artifact, dirname(a.from!));
    log?.(`pipeline bundle ${a.artifact.version}: ${b.changed ? 'built' : 'unchanged'}, ${(b.bytes / 1048576).toFixed(1)} MiB`);
  }
}
