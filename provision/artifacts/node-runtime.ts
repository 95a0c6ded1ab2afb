// The Node.js the pipeline and the dashboard run on, shipped like a JVM runtime: the controller's own
// `node` binary (the version etclab itself is tested on) copied into the artifact cache with a manifest,
// then to each node once. A fresh Ubuntu 22.04 has Node.js 12 at best, and the bundles need 20+.
import { copyFile, chmod, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeSpec } from '../inventory/types.ts';
import type { Action } from '../plan/types.ts';
import { verifyArtifact } from './cache.ts';
import { nodeArtifactDir } from './classpath.ts';
import { syncArtifact } from './install.ts';
import { computeManifest, formatManifest } from './manifest.ts';
import { MANIFEST, artifactDir, cacheRoot } from './spec.ts';

export const NODE_RUNTIME = 'nodejs';

export const nodeRuntime = (): { service: string; version: string } => ({ service: NODE_RUNTIME, version: process.versions.node });

/** `node` on a node when etclab ships it. */
export const shippedNodeBin = (node: Pick<NodeSpec, 'baseDir'>): string => `${nodeArtifactDir(node, nodeRuntime())}/bin/node`;

export const nodeRuntimeSync = (node: NodeSpec, root = cacheRoot()): Action => syncArtifact(nodeRuntime(), node, root);

/** Puts this process's `node` into the cache unless that version is there and verifies. */
export async function buildNodeRuntime(a: { service: string; version: string }, root = cacheRoot()): Promise<{ dir: string; bytes: number; changed: boolean }> {
  if (a.version !== process.versions.node) throw new Error(`Node.js ${a.version} is not the controller's (${process.versions.node}): run etclab with that version`);
  const dir = artifactDir(a, root);
  if (await verifyArtifact(a, root).then(() => true, () => false)) return { dir, bytes: (await stat(join(dir, 'bin/node'))).size, changed: false };
  const stage = `${dir}.build-${process.pid}`;
  await rm(stage, { recursive: true, force: true });
  await mkdir(join(stage, 'bin'), { recursive: true });
  await copyFile(process.execPath, join(stage, 'bin/node'));
  await chmod(join(stage, 'bin/node'), 0o755);
  await writeFile(join(stage, MANIFEST), formatManifest(await computeManifest(stage)));
  await rm(dir, { recursive: true, force: true });
  await rename(stage, dir);
  return { dir, bytes: (await stat(join(dir, 'bin/node'))).size, changed: true };
}
