// The Node.js daemons' runtimes: one esbuild bundle each (the pipeline's consumers: pipeline/service/main.ts
// with kafkajs, mysql2, ioredis, thrift and the generated HBase clients inside; the dashboard: web/main.ts
// with its page and ECharts beside it), so a node needs Node.js and these files, not the repo.
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
import { NODE_RUNTIME, buildNodeRuntime } from './node-runtime.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A Node.js program built from this checkout into one file (plus assets) that a node runs with `node`. */
export interface BundleSpec {
  entry: string;
  file: string;
  /** Source trees (repo-relative) whose digest is the version: a code change is a new version, a restart. */
  sources: string[];
  /** Files copied beside the bundle (repo-relative source → artifact-relative target). */
  assets?: Array<[string, string]>;
}

export const BUNDLES: Record<string, BundleSpec> = {
  pipeline: { entry: 'pipeline/service/main.ts', file: 'pipeline.mjs', sources: ['pipeline'] },
  // The big screen: its server, the read side it serves and the pipeline code it reads with; the page and
  // ECharts beside it (a node has no node_modules and the lab no internet).
  dashboard: {
    entry: 'web/main.ts', file: 'dashboard.mjs', sources: ['web', 'query', 'pipeline/core', 'pipeline/hbase', 'pipeline/contract'],
    assets: [...['index.html', 'app.js', 'style.css'].map((f): [string, string] => [`web/public/${f}`, `public/${f}`]), ['node_modules/echarts/dist/echarts.min.js', 'public/vendor/echarts.min.js']],
  },
};
export const PIPELINE_BUNDLE = BUNDLES.pipeline!.file;
export const DASHBOARD_BUNDLE = BUNDLES.dashboard!.file;

function sourcesBelow(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourcesBelow(p);
    // Tests and their kits are not in the bundle: editing them must not restart the consumers.
    return /\.(ts|js|json|html|css)$/.test(e.name) && !/\.test\.ts$|^testkit\.ts$|^testdata\.ts$/.test(e.name) ? [p] : [];
  });
}

/**
 * A bundle's version: the package's plus a digest of its sources and the lockfile. A code change is a new
 * version, hence a new path in the daemon's config, hence a restart by the next `up`.
 */
export function bundleVersion(service: string): string {
  const spec = BUNDLES[service]!;
  const h = createHash('sha256');
  for (const f of [...spec.sources.flatMap((d) => sourcesBelow(join(REPO, d))), join(REPO, 'package-lock.json')].sort()) h.update(f.slice(REPO.length)).update(readFileSync(f));
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
  return `${pkg.version}-${h.digest('hex').slice(0, 10)}`;
}

export const pipelineVersion = (): string => bundleVersion('pipeline');

export async function buildBundle(a: { service: string; version: string }, root = cacheRoot()): Promise<{ dir: string; bytes: number; changed: boolean }> {
  const spec = BUNDLES[a.service];
  if (!spec) throw new Error(`no bundle for service ${a.service}`);
  const dir = artifactDir(a, root);
  // The version is a digest of the sources: a verified build of it is this code already.
  const built = await verifyArtifact(a, root).catch(() => null);
  if (built) return { dir, bytes: (await stat(join(dir, spec.file))).size, changed: false };
  const { build } = await import('esbuild');
  const stage = `${dir}.build-${process.pid}`;
  await rm(stage, { recursive: true, force: true });
  await mkdir(stage, { recursive: true });
  try {
    const r = await build({
      entryPoints: [join(REPO, spec.entry)],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      outfile: join(stage, spec.file),
      // Bundled CommonJS (kafkajs, mysql2 …) calls require() for Node built-ins.
      banner: { js: "import { createRequire as __etclabRequire } from 'node:module'; const require = __etclabRequire(import.meta.url);" },
      // The inventory code is only for runs from a checkout (--inventory); a node gets --config.
      external: ['../../provision/*'],
      logLevel: 'silent',
      legalComments: 'none',
    });
    if (r.errors.length) throw new Error(r.errors.map((e) => e.text).join('; '));
    for (const [from, to] of spec.assets ?? []) {
      await mkdir(dirname(join(stage, to)), { recursive: true });
      await writeFile(join(stage, to), await readFile(join(REPO, from)));
    }
    const manifest = await computeManifest(stage);
    const text = formatManifest(manifest);
    await writeFile(join(stage, MANIFEST), text);
    const before = await readFile(join(dir, MANIFEST), 'utf8').catch(() => null);
    const bytes = (await readFile(join(stage, spec.file))).length;
    if (before === text) {
      await rm(stage, { recursive: true, force: true });
      return { dir, bytes, changed: false };
    }
    await rm(dir, { recursive: true, force: true });
    await rename(stage, dir);
    return { dir, bytes, changed: true };
  } catch (e) {
    await rm(stage, { recursive: true, force: true });
    throw new Error(`building the ${a.service} bundle from ${spec.entry} failed: ${(e as Error).message}`);
  }
}


/**
 * Builds what every sync step of a plan copies from this checkout or this controller (the bundles and the
 * Node.js runtime) unless it is built already; for the direct executor and the Pulumi program.
 */
export async function buildBundlesOf(steps: Array<{ action: { kind: string } & Record<string, unknown> }>, log?: (line: string) => void): Promise<void> {
  const seen = new Set<string>();
  for (const s of steps) {
    const a = s.action as { kind: string; from?: string; artifact?: { service: string; version: string } };
    if (a.kind !== 'sync' || !a.artifact || seen.has(a.from!)) continue;
    const isRuntime = a.artifact.service === NODE_RUNTIME;
    if (!isRuntime && !BUNDLES[a.artifact.service]) continue;
    seen.add(a.from!);
    const b = isRuntime ? await buildNodeRuntime(a.artifact, dirname(a.from!)) : await buildBundle(a.artifact, dirname(a.from!));
    log?.(`${a.artifact.service} ${isRuntime ? 'runtime' : 'bundle'} ${a.artifact.version}: ${b.changed ? 'built' : 'unchanged'}, ${(b.bytes / 1048576).toFixed(1)} MiB`);
  }
}
