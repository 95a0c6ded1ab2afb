// The local artifact cache: fetch (maven or tarball) into a temp dir, write the manifest last, rename into
// place. A dir named <service>-<version> therefore always holds a complete fetch; leftovers of an
// interrupted one stay under .tmp-* and are removed by the next fetch.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { computeManifest, diffManifest, formatManifest, parseManifest } from './manifest.ts';
import { pomFor } from './pom.ts';
import {
  ArtifactCorruptError,
  ArtifactMissingError,
  MANIFEST,
  SPEC_FILE,
  artifactDir,
  cacheRoot,
  dirName,
  specLabel,
  type ArtifactSpec,
} from './spec.ts';

export type Progress = (line: string) => void;

export interface FetchOptions {
  root?: string;
  /** Refetch even when a verified copy is present. */
  force?: boolean;
  onProgress?: Progress;
  /** Bound on the whole mvn run (default 20 min: a cold ~/.m2 pulls ~120 MB for Hadoop). */
  timeoutMs?: number;
}

export interface FetchResult {
  dir: string;
  manifest: string;
  files: number;
  bytes: number;
  /** false when a verified copy was already there. */
  fetched: boolean;
}

const tmpPrefix = '.tmp-';

async function stageDir(root: string, name: string): Promise<string> {
  await mkdir(root, { recursive: true });
  // Leftovers of fetches that died (their pid is gone) are garbage by construction.
  for (const e of await readdir(root)) {
    const m = /^\.tmp-.*-(\d+)-[0-9a-f]+$/.exec(e);
    if (m && !pidAlive(Number(m[1]))) await rm(join(root, e), { recursive: true, force: true });
  }
  const dir = join(root, `${tmpPrefix}${name}-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Writes the manifest into `stage` and renames it to `final`, replacing an older copy. */
async function publish(stage: string, final: string, root: string): Promise<{ files: number; bytes: number }> {
  const m = await computeManifest(stage);
  let bytes = 0;
  for (const f of m.keys()) bytes += (await stat(join(stage, f))).size;
  await writeFile(join(stage, MANIFEST), formatManifest(m));
  if (existsSync(final)) {
    const old = join(root, `${tmpPrefix}old-${basename(final)}-${process.pid}-${randomBytes(4).toString('hex')}`);
    await rename(final, old);
    await rename(stage, final);
    await rm(old, { recursive: true, force: true });
  } else {
    await rename(stage, final);
  }
  return { files: m.size, bytes };
}

function run(cmd: string, args: string[], opts: { cwd: string; timeoutMs: number; onLine?: (l: string) => void }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let partial = '';
    const onData = (b: Buffer) => {
      const s = b.toString();
      out += s;
      if (out.length > 200_000) out = out.slice(-100_000);
      partial += s;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) opts.onLine?.(l);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', (e) =>
      reject(new Error(`cannot run ${cmd}: ${e.message}${(e as NodeJS.ErrnoException).code === 'ENOENT' ? ` (install it: apt-get install ${cmd === 'mvn' ? 'maven' : cmd})` : ''}`)),
    );
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else {
        const tail = out.trim().split('\n').slice(-25).join('\n');
        reject(new Error(`${cmd} ${signal ? `killed (${signal}, timeout ${opts.timeoutMs / 1000}s)` : `exited ${code}`}:\n${tail}`));
      }
    });
  });
}

async function alreadyThere(dir: string, expectSpec: string): Promise<boolean> {
  if (!existsSync(join(dir, MANIFEST))) return false;
  try {
    if ((await readFile(join(dir, SPEC_FILE), 'utf8')) !== expectSpec) return false;
    await verifyDir(dir, { service: '', version: '' });
    return true;
  } catch {
    return false;
  }
}

const specJson = (spec: object) => JSON.stringify(spec, null, 2) + '\n';

/** Assembles `<cache>/<service>-<version>/lib/*.jar` from Maven Central with `mvn dependency:copy-dependencies`. */
export async function fetchArtifact(spec: ArtifactSpec, opts: FetchOptions = {}): Promise<FetchResult> {
  const root = opts.root ?? cacheRoot();
  const final = artifactDir(spec, root);
  const want = specJson({ kind: 'maven', ...spec });
  const pom = pomFor(spec); // validates the coordinates before anything is touched
  const say = opts.onProgress ?? (() => {});
  if (!opts.force && (await alreadyThere(final, want))) {
    say(`${specLabel(spec)}: already in ${final}`);
    return { dir: final, manifest: join(final, MANIFEST), ...(await sizeOf(final)), fetched: false };
  }
  const stage = await stageDir(root, dirName(spec));
  try {
    await writeFile(join(stage, 'pom.xml'), pom);
    say(`${specLabel(spec)}: resolving ${spec.coordinates.length} coordinate(s) with mvn`);
    let downloads = 0;
    await run(
      'mvn',
      ['-B', '--no-transfer-progress', '-f', join(stage, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${join(stage, 'lib')}`, '-DincludeScope=runtime'],
      {
        cwd: stage,
        timeoutMs: opts.timeoutMs ?? 20 * 60_000,
        onLine: (l) => {
          if (/Downloaded from/.test(l)) {
            downloads++;
            if (downloads % 10 === 1) say(`${specLabel(spec)}: downloaded ${downloads} file(s) into ~/.m2 …`);
          } else if (/Copying .*\.jar/.test(l)) {
            // copy-dependencies logs each jar at INFO
          }
        },
      },
    );
    await rm(join(stage, 'pom.xml'));
    await rm(join(stage, 'target'), { recursive: true, force: true });
    if (!existsSync(join(stage, 'lib')) || (await readdir(join(stage, 'lib'))).length === 0)
      throw new Error(`mvn resolved no jar for ${specLabel(spec)}`);
    await writeFile(join(stage, SPEC_FILE), want);
    const r = await publish(stage, final, root);
    say(`${specLabel(spec)}: ${r.files} files, ${(r.bytes / 1048576).toFixed(1)} MiB in ${final}`);
    return { dir: final, manifest: join(final, MANIFEST), ...r, fetched: true };
  } catch (e) {
    await rm(stage, { recursive: true, force: true });
    throw e;
  }
}

export interface TarballSource {
  url: string;
  sha512?: string;
}

function sha512File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha512');
    createReadStream(path)
      .on('data', (b) => h.update(b))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/**
 * Unpacks an official tarball (http(s) URL or local path) into the cache, top directory stripped, so
 * `<dir>/libs` (Kafka) or `<dir>/share/hadoop` (Hadoop) sit directly below it.
 */
export async function fetchTarball(
  a: { service: string; version: string },
  src: TarballSource,
  opts: FetchOptions = {},
): Promise<FetchResult> {
  const root = opts.root ?? cacheRoot();
  const final = artifactDir(a, root);
  const want = specJson({ kind: 'tarball', service: a.service, version: a.version, url: src.url, sha512: src.sha512 ?? null });
  const say = opts.onProgress ?? (() => {});
  if (!opts.force && (await alreadyThere(final, want))) {
    say(`${specLabel(a)}: already in ${final}`);
    return { dir: final, manifest: join(final, MANIFEST), ...(await sizeOf(final)), fetched: false };
  }
  const stage = await stageDir(root, dirName(a));
  const download = `${stage}.download`;
  try {
    let file = src.url;
    if (/^https?:\/\//.test(src.url)) {
      say(`${specLabel(a)}: downloading ${src.url}`);
      const res = await fetch(src.url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 20 * 60_000) });
      if (!res.ok || !res.body) throw new Error(`${specLabel(a)}: GET ${src.url} answered ${res.status} ${res.statusText}`);
      await writeFile(download, Buffer.from(await res.arrayBuffer()));
      file = download;
    } else if (!existsSync(src.url)) {
      throw new Error(`${specLabel(a)}: tarball ${src.url} does not exist`);
    }
    const got = await sha512File(file);
    if (src.sha512 && got !== src.sha512.toLowerCase().trim())
      throw new Error(`${specLabel(a)}: tarball ${src.url} has sha512 ${got}, the inventory expects ${src.sha512}: refusing to unpack it`);
    if (!src.sha512) say(`${specLabel(a)}: no sha512 in the inventory; this tarball's is ${got}`);
    await mkdir(join(stage, 'home'), { recursive: true });
    await run('tar', ['-xf', file, '-C', join(stage, 'home'), '--strip-components=1', '--no-same-owner'], { cwd: stage, timeoutMs: 10 * 60_000 });
    // Only the runtime itself: `home/` keeps the tarball's own layout, the spec file sits beside it.
    await writeFile(join(stage, SPEC_FILE), want);
    const r = await publish(stage, final, root);
    say(`${specLabel(a)}: ${r.files} files, ${(r.bytes / 1048576).toFixed(1)} MiB in ${final}`);
    return { dir: final, manifest: join(final, MANIFEST), ...r, fetched: true };
  } catch (e) {
    await rm(stage, { recursive: true, force: true });
    throw e;
  } finally {
    await rm(download, { force: true });
  }
}

async function verifyDir(dir: string, who: { service: string; version: string }): Promise<Map<string, string>> {
  if (!existsSync(dir)) throw new ArtifactMissingError(who, dir);
  const mpath = join(dir, MANIFEST);
  if (!existsSync(mpath)) throw new ArtifactMissingError(who, dir, 'has no manifest (an incomplete or foreign copy)');
  const expected = parseManifest(await readFile(mpath, 'utf8'), mpath);
  const problems = diffManifest(expected, await computeManifest(dir));
  if (problems.length) throw new ArtifactCorruptError(who, dir, problems);
  return expected;
}

/** Recomputes every file's sha256 and compares with the manifest; throws Missing/Corrupt errors. */
export async function verifyArtifact(a: { service: string; version: string }, root = cacheRoot()): Promise<{ dir: string; files: number }> {
  const dir = artifactDir(a, root);
  const m = await verifyDir(dir, a);
  return { dir, files: m.size };
}

/** The dir that `install()` syncs to nodes; throws ArtifactMissingError when it was never fetched. */
export function requireArtifact(a: { service: string; version: string }, root = cacheRoot()): { dir: string; manifest: string } {
  const dir = artifactDir(a, root);
  const manifest = join(dir, MANIFEST);
  if (!existsSync(manifest)) throw new ArtifactMissingError(a, dir);
  return { dir, manifest };
}

async function sizeOf(dir: string): Promise<{ files: number; bytes: number }> {
  const m = parseManifest(await readFile(join(dir, MANIFEST), 'utf8'), join(dir, MANIFEST));
  let bytes = 0;
  for (const f of m.keys()) bytes += (await stat(join(dir, f)).catch(() => ({ size: 0 }))).size;
  return { files: m.size, bytes };
}

export interface ListedArtifact {
  name: string;
  dir: string;
  kind: string;
  service?: string;
  version?: string;
  files: number;
  bytes: number;
  complete: boolean;
}

/** Every artifact in the cache (complete ones, and interrupted fetches marked incomplete). */
export async function listArtifacts(root = cacheRoot()): Promise<ListedArtifact[]> {
  if (!existsSync(root)) return [];
  const out: ListedArtifact[] = [];
  for (const e of (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).sort((x, y) => x.name.localeCompare(y.name))) {
    const dir = join(root, e.name);
    if (e.name.startsWith(tmpPrefix)) {
      out.push({ name: e.name, dir, kind: '?', files: 0, bytes: 0, complete: false });
      continue;
    }
    let meta: { kind?: string; service?: string; version?: string } = {};
    try {
      meta = JSON.parse(await readFile(join(dir, SPEC_FILE), 'utf8'));
    } catch {
      /* foreign dir: listed as incomplete */
    }
    const complete = existsSync(join(dir, MANIFEST));
    const size = complete ? await sizeOf(dir) : { files: 0, bytes: 0 };
    out.push({ name: e.name, dir, kind: meta.kind ?? '?', service: meta.service, version: meta.version, ...size, complete });
  }
  return out;
}
