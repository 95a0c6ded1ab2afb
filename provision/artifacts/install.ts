// The per-node install action for a service whose runtime is jars: sync the cached artifact, or check
// that an existing install is where the inventory says.
import type { ArtifactSource, NodeSpec } from '../inventory/types.ts';
import type { Action } from '../plan/types.ts';
import { nodeArtifactDir, runtimeClasspath, runtimeHome, type Layout } from './classpath.ts';
import { MANIFEST, artifactDir, cacheRoot } from './spec.ts';

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The cached artifact copied to the node (once: the executor compares manifests). */
export function syncArtifact(a: { service: string; version: string }, node: NodeSpec, root = cacheRoot()): Action {
  const from = artifactDir(a, root);
  return { kind: 'sync', from, to: nodeArtifactDir(node, a), manifest: `${from}/${MANIFEST}`, artifact: { service: a.service, version: a.version } };
}

export function installRuntime(
  a: { service: string; version: string },
  source: ArtifactSource,
  node: NodeSpec,
  layout: Layout,
  root = cacheRoot(),
): Action {
  if (source.kind === 'maven' || source.kind === 'tarball') return syncArtifact(a, node, root);
  // kind existing: nothing to copy, but a wrong path should stop here rather than as a ClassNotFoundError.
  const home = runtimeHome(source, node, a);
  const probeDir = runtimeClasspath(source, node, a, layout)
    .find((e) => e.endsWith('/*'))!
    .slice(0, -2);
  return {
    kind: 'shell',
    script: `if ! ls ${q(probeDir)}/*.jar >/dev/null 2>&1; then
  echo "services.${a.service}.source.home: ${home} on $(hostname) has no jars in ${probeDir}" >&2; exit 1
fi
echo "ETCLAB_UNCHANGED ${a.service} ${a.version} found in ${home}"
`,
  };
}
