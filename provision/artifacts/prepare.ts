// The `fetch` phase: every service whose runtime comes through the local cache gets it there before any
// node is touched, so a missing or corrupt artifact stops `up` with a message instead of half a cluster.
import type { Inventory } from '../inventory/types.ts';
import { fetchArtifact, fetchTarball, verifyArtifact, type FetchResult, type Progress } from './cache.ts';
import { catalog, specFor } from './catalog.ts';
import { ArtifactMissingError, artifactDir, cacheRoot } from './spec.ts';
import { existsSync } from 'node:fs';

export interface PrepareOptions {
  /** false: only check the cache (plan/dry-run); true: fetch what is missing. */
  fetch: boolean;
  root?: string;
  onProgress?: Progress;
}

export async function prepareArtifacts(inv: Inventory, opts: PrepareOptions): Promise<Record<string, FetchResult | { dir: string }>> {
  const root = opts.root ?? cacheRoot();
  const out: Record<string, FetchResult | { dir: string }> = {};
  for (const [name, svc] of Object.entries(inv.services)) {
    const a = { service: name, version: svc.version };
    if (svc.source.kind === 'maven') {
      if (!catalog[name]) continue; // another module assembles its own runtime
      if (opts.fetch) out[name] = await fetchArtifact(specFor(name, svc.version), { root, onProgress: opts.onProgress });
      else out[name] = await verifyArtifact(a, root);
    } else if (svc.source.kind === 'tarball') {
      if (opts.fetch) out[name] = await fetchTarball(a, svc.source, { root, onProgress: opts.onProgress });
      else if (!existsSync(artifactDir(a, root))) throw new ArtifactMissingError(a, artifactDir(a, root));
      else out[name] = await verifyArtifact(a, root);
    }
  }
  return out;
}
