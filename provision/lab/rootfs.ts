// What isolated lab nodes are made of, cached outside the lab dir so `lab down` keeps them and every lab
// suite of a CI run reuses them: a minimal Debian root filesystem (mmdebstrap with this machine's apt
// sources) shared read-only by the nodes, and an apt repository with the .debs the service roles need
// (downloaded by this machine's apt, once), which the lab serves to the nodes on its bridge.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LAB_APT_PORT, LAB_HOST_ADDRESS } from './layout.ts';
import { exists, run } from './host.ts';
import type { Log } from './host.ts';

export const ROOTFS_SUITE = 'bookworm';
/**
 * What a fresh Ubuntu server has and a minbase Debian lacks: sshd, ps/kill, ss/ip, CA certificates, netbase
 * (/etc/services). Nothing of any service role: `etclab up` has to install that.
 */
export const ROOTFS_PACKAGES = ['openssh-server', 'procps', 'iproute2', 'ca-certificates', 'netbase'];

export function labCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.ETCLAB_LAB_CACHE ?? join(homedir(), '.cache', 'etclab', 'lab');
}

/** Whether any process's mount namespace has a mount naming `path` (a running node's overlay over an old base). */
async function mountedSomewhere(path: string): Promise<boolean> {
  for (const pid of (await fs.readdir('/proc')).filter((d) => /^\d+$/.test(d))) {
    const text = await fs.readFile(`/proc/${pid}/mountinfo`, 'utf8').catch(() => '');
    if (text.includes(path)) return true;
  }
  return false;
}

/**
 * Earlier recipes' builds beside `keep` (same prefix): a new base or repository replaces them. One still
 * under a running node's overlay stays until the next build after that lab is gone.
 */
async function removeOlder(keep: string, prefix: string, log: Log): Promise<void> {
  const dir = join(keep, '..');
  for (const e of await fs.readdir(dir).catch(() => [] as string[])) {
    const p = join(dir, e);
    if (e.startsWith(prefix) && p !== keep && !e.includes('.build-') && !(await mountedSomewhere(p))) {
      await fs.rm(p, { recursive: true, force: true });
      log(`lab cache: removed ${p} (an earlier recipe)`);
    }
  }
}

const digest = (parts: string[]) => createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 12);

/** The apt source a node uses: the lab's repository on the bridge, with no signature (it never leaves this machine). */
export const LAB_APT_SOURCE = `deb [trusted=yes] http://${LAB_HOST_ADDRESS}:${LAB_APT_PORT}/ ./\n`;

/**
 * Shell run by mmdebstrap inside the new root ("$1") before it is packed: no host keys (each node gets its
 * own), the lab's repository as the only apt source with an empty index (a fresh machine has to `apt-get
 * update`), no docs (faster installs on the nodes).
 */
function customize(): string[] {
  return [
    'rm -f "$1"/etc/ssh/ssh_host_*',
    `printf '%s' '${LAB_APT_SOURCE}' > "$1"/etc/apt/sources.list`,
    'rm -rf "$1"/etc/apt/sources.list.d/* "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin',
    'rm -f "$1"/etc/resolv.conf "$1"/etc/hostname',
    'mkdir -p "$1"/run/sshd',
    // Man pages are left out, but the JDK's postinst links its man page into man1 and fails without the dir.
    'mkdir -p "$1"/usr/share/man/man1',
  ];
}

const DPKG_OPTS = ['path-exclude=/usr/share/man/*', 'path-exclude=/usr/share/doc/*', 'path-include=/usr/share/doc/*/copyright', 'path-exclude=/usr/share/locale/*'];

/** The base root filesystem's directory for this recipe (built when missing). */
export function baseRootfsDir(cache = labCacheDir()): string {
  return join(cache, `rootfs-${ROOTFS_SUITE}-${digest([ROOTFS_SUITE, ...ROOTFS_PACKAGES, ...customize(), ...DPKG_OPTS])}`);
}

export async function ensureBaseRootfs(log: Log, changed: string[], cache = labCacheDir()): Promise<string> {
  const dir = baseRootfsDir(cache);
  if (await exists(join(dir, '.etclab-complete'))) {
    log(`lab base root filesystem ${dir}: already built`);
    return dir;
  }
  await fs.mkdir(cache, { recursive: true });
  const stage = `${dir}.build-${process.pid}`;
  await fs.rm(stage, { recursive: true, force: true });
  const t0 = Date.now();
  log(`lab base root filesystem: building a minimal Debian ${ROOTFS_SUITE} with mmdebstrap (about 40 s) …`);
  try {
    await run('mmdebstrap', [
      '--variant=minbase', '--quiet', `--include=${ROOTFS_PACKAGES.join(',')}`,
      ...DPKG_OPTS.map((o) => `--dpkgopt=${o}`),
      ...customize().map((c) => `--customize-hook=${c}`),
      ROOTFS_SUITE, stage,
    ], { timeoutMs: 900_000 });
  } catch (e) {
    await fs.rm(stage, { recursive: true, force: true });
    throw new Error(`building the lab's base root filesystem failed: ${(e as Error).message.split('\n').slice(-15).join('\n')}`);
  }
  await fs.writeFile(join(stage, '.etclab-complete'), `${new Date().toISOString()}\n`);
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rename(stage, dir);
  log(`lab base root filesystem ${dir}: built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  await removeOlder(dir, `rootfs-${ROOTFS_SUITE}-`, log);
  changed.push('base root filesystem');
  return dir;
}

/** Every package (and each one's dependencies) the given roles install, as this machine's apt resolves them. */
async function closure(packages: string[]): Promise<string[]> {
  const r = await run('apt-cache', ['depends', '--recurse', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances', ...packages], { timeoutMs: 120_000 });
  // Lines at column 0 are real packages; virtual ones only appear indented, as <name>.
  return [...new Set(r.stdout.split('\n').filter((l) => /^[a-z0-9][a-z0-9+.-]*$/.test(l)))].sort();
}

/**
 * A flat apt repository (Packages, Release) holding `packages` and their dependencies, keyed by the list:
 * a changed role list is a new repository; an unchanged one is reused as it is.
 */
export async function ensureAptRepo(packages: string[], log: Log, changed: string[], cache = labCacheDir()): Promise<string> {
  const wanted = [...new Set(packages)].sort();
  const dir = join(cache, `apt-${ROOTFS_SUITE}-${digest(wanted)}`);
  if (await exists(join(dir, 'Release'))) {
    log(`lab apt repository ${dir}: already built`);
    return dir;
  }
  const t0 = Date.now();
  const stage = `${dir}.build-${process.pid}`;
  await fs.rm(stage, { recursive: true, force: true });
  await fs.mkdir(stage, { recursive: true });
  try {
    const all = await closure(wanted);
    log(`lab apt repository: downloading ${all.length} packages for ${wanted.join(' ')} with this machine's apt …`);
    // _apt cannot write to a root-only stage dir; the download is then made as root (apt says so on stderr).
    await run('sh', ['-c', 'cd "$1" && shift && exec apt-get -q download "$@"', 'sh', stage, ...all], { timeoutMs: 1_200_000 });
    const pk = await run('apt-ftparchive', ['packages', '.'], { timeoutMs: 300_000, cwd: stage });
    await fs.writeFile(join(stage, 'Packages'), pk.stdout);
    const rel = await run('apt-ftparchive', ['release', '.'], { timeoutMs: 60_000, cwd: stage });
    await fs.writeFile(join(stage, 'Release'), rel.stdout);
  } catch (e) {
    await fs.rm(stage, { recursive: true, force: true });
    throw new Error(`building the lab's apt repository failed: ${(e as Error).message.split('\n').slice(-15).join('\n')}`);
  }
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rename(stage, dir);
  log(`lab apt repository ${dir}: built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  await removeOlder(dir, `apt-${ROOTFS_SUITE}-`, log);
  changed.push('apt repository');
  return dir;
}
