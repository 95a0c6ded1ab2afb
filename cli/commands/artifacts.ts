// `etclab artifacts fetch|list|verify`: the local cache of JVM runtimes assembled from Maven Central.
import type { Command } from 'commander';
import {
  catalog,
  fetchArtifact,
  listArtifacts,
  specFor,
  verifyArtifact,
  cacheRoot,
} from '../../provision/artifacts/index.ts';

/** `kafka` or `kafka@3.9.1`. */
export function parseTarget(text: string): { service: string; version?: string } {
  const m = /^([a-z][a-z0-9_-]*)(?:@([A-Za-z0-9_.-]+))?$/.exec(text);
  if (!m) throw new Error(`${JSON.stringify(text)} is not <service> or <service>@<version>`);
  return { service: m[1], version: m[2] };
}

const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;

export function registerArtifactsCommands(program: Command): Command {
  const cmd = program.command('artifacts').description(`JVM runtimes assembled from Maven Central (cache: $ETCLAB_ARTIFACT_CACHE or ~/.cache/etclab/artifacts)`);

  cmd
    .command('fetch')
    .description(`assemble runtimes into the cache (default: all of ${Object.keys(catalog).join(', ')})`)
    .argument('[service...]', 'service or service@version')
    .option('--force', 'refetch even when a verified copy is present')
    .action(async (targets: string[], opts: { force?: boolean }) => {
      const wanted = (targets.length ? targets : Object.keys(catalog)).map(parseTarget);
      const specs = wanted.map((t) => specFor(t.service, t.version)); // all names checked before any download
      const root = cacheRoot();
      for (const spec of specs) {
        const t0 = Date.now();
        const r = await fetchArtifact(spec, { root, force: opts.force, onProgress: (l) => process.stderr.write(`  ${l}\n`) });
        console.log(`${r.fetched ? 'fetched' : 'present'}  ${spec.service}@${spec.version}  ${r.files} files  ${mib(r.bytes)}  ${((Date.now() - t0) / 1000).toFixed(1)}s  ${r.dir}`);
      }
    });

  cmd
    .command('list')
    .description('artifacts in the cache, with size; interrupted fetches show as incomplete')
    .option('--json', 'machine-readable')
    .action(async (o: { json?: boolean }) => {
      const all = await listArtifacts();
      if (o.json) return console.log(JSON.stringify({ cache: cacheRoot(), artifacts: all }, null, 2));
      if (all.length === 0) return console.log(`no artifacts in ${cacheRoot()} (etclab artifacts fetch)`);
      for (const a of all)
        console.log(`${a.name.padEnd(28)} ${a.kind.padEnd(8)} ${a.complete ? `${String(a.files).padStart(5)} files ${mib(a.bytes).padStart(10)}` : 'incomplete'}`);
    });

  cmd
    .command('verify')
    .description('recompute every file checksum against the manifest (default: every artifact in the cache)')
    .argument('[service...]', 'service or service@version')
    .option('--json', 'machine-readable')
    .action(async (targets: string[], o: { json?: boolean }) => {
      const list = targets.length
        ? targets.map(parseTarget).map((t) => ({ service: t.service, version: t.version ?? specFor(t.service).version }))
        : (await listArtifacts()).filter((a) => a.service && a.version).map((a) => ({ service: a.service!, version: a.version! }));
      let bad = 0;
      const results: Array<{ service: string; version: string; ok: boolean; files?: number; error?: string }> = [];
      for (const a of list) {
        try {
          const r = await verifyArtifact(a);
          results.push({ ...a, ok: true, files: r.files });
          if (!o.json) console.log(`ok       ${a.service}@${a.version}  ${r.files} files`);
        } catch (e) {
          bad++;
          results.push({ ...a, ok: false, error: (e as Error).message });
          if (!o.json) console.error(`FAILED   ${(e as Error).message}`);
        }
      }
      if (o.json) console.log(JSON.stringify(results, null, 2));
      if (bad) process.exitCode = 1;
    });
  return cmd;
}
