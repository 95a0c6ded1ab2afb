// Before the lab exists: root, the tools, the JDK, the lab directory, SSH keys and the generated secrets.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LAB_NODES, hostilePasswordFromBytes, SECRET_NAMES, type LabMode, type LabPaths } from './layout.ts';
import { exists, ip, run } from './host.ts';
import type { Log } from './host.ts';

export function requireRoot(what: string): void {
  const uid = process.getuid?.();
  if (uid !== 0) {
    throw new Error(
      `etclab lab ${what} must run as root (id -u is ${uid ?? 'unknown'}): it creates network namespaces, ` +
        `a bridge and sshd daemons. Run it with sudo.`,
    );
  }
}

async function which(cmd: string): Promise<boolean> {
  const r = await run('sh', ['-c', 'command -v "$1"', 'sh', cmd], { check: false });
  return r.code === 0;
}

const REQUIRED_TOOLS: Record<string, string> = {
  ip: 'iproute2',
  'ssh-keygen': 'openssh-client',
  ssh: 'openssh-client',
  sshd: 'openssh-server',
  unshare: 'util-linux',
  nsenter: 'util-linux',
  hostname: 'hostname',
};

/** What isolated nodes need besides: the base root filesystem's builder and the apt repository's indexer. */
const ISOLATED_TOOLS: Record<string, string> = { mmdebstrap: 'mmdebstrap', 'apt-ftparchive': 'apt-utils', 'apt-cache': 'apt' };

export async function ensureTools(log: Log, changed: string[], mode: LabMode = 'shared'): Promise<void> {
  const missing: string[] = [];
  for (const [tool, pkg] of Object.entries({ ...REQUIRED_TOOLS, ...(mode === 'isolated' ? ISOLATED_TOOLS : {}) })) {
    const found = tool === 'sshd' ? await exists('/usr/sbin/sshd') : await which(tool);
    if (!found && !missing.includes(pkg)) missing.push(pkg);
  }
  if (missing.length === 0) {
    log(`lab tools (iproute2, openssh${mode === 'isolated' ? ', mmdebstrap, apt-utils' : ''}): already up`);
    return;
  }
  if (!(await which('apt-get'))) {
    throw new Error(`missing packages ${missing.join(', ')} and no apt-get to install them: install them and retry`);
  }
  log(`lab tools: installing ${missing.join(', ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update'], { env, timeoutMs: 300_000 });
  await run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env, timeoutMs: 600_000 });
  changed.push(`installed ${missing.join(', ')}`);
}

/** The JDK 17 home on this machine: `readlink -f $(which java)` minus /bin/java, else /usr/lib/jvm/java-17-*. */
export async function findJavaHome(): Promise<string> {
  const candidates: string[] = [];
  const r = await run('sh', ['-c', 'readlink -f "$(command -v java)"'], { check: false });
  const bin = r.stdout.trim();
  if (r.code === 0 && bin.endsWith('/bin/java')) candidates.push(bin.slice(0, -'/bin/java'.length));
  const jvm = await fs.readdir('/usr/lib/jvm').catch(() => [] as string[]);
  for (const d of jvm.sort()) if (/^java-17-/.test(d)) candidates.push(join('/usr/lib/jvm', d));
  for (const home of candidates) {
    const v = await run(join(home, 'bin/java'), ['-version'], { check: false, timeoutMs: 20_000 }).catch(() => null);
    if (v && v.code === 0 && /version "17[."]/.test(v.stderr)) return home;
  }
  throw new Error(
    `no JDK 17 found (looked at ${candidates.join(', ') || '`which java` and /usr/lib/jvm/java-17-*'}): ` +
      `install it with apt-get install openjdk-17-jdk-headless and rerun lab up`,
  );
}

/** sshd's StrictModes refuses an authorized_keys file below a group/world-writable directory: say so up front. */
async function checkLabDirAncestors(dir: string): Promise<void> {
  for (let d = dirname(dir); ; d = dirname(d)) {
    const st = await fs.stat(d).catch(() => null);
    if (st && (st.mode & 0o022) !== 0) {
      throw new Error(
        `lab dir ${dir} lies below ${d}, which is group/world-writable (mode ${(st.mode & 0o7777).toString(8)}): ` +
          `sshd (StrictModes) would refuse the lab's authorized_keys. Set ETCLAB_LAB_DIR to a path like /var/lib/etclab-lab`,
      );
    }
    if (d === '/') return;
  }
}

export async function ensureLabDir(p: LabPaths, log: Log, changed: string[]): Promise<void> {
  await checkLabDirAncestors(p.dir);
  const entries = await fs.readdir(p.dir).catch(() => null);
  if (entries && entries.length > 0 && !(await exists(p.marker))) {
    throw new Error(
      `${p.dir} exists, is not empty and was not made by etclab lab up (no ${p.marker}): ` +
        `refusing to use it, since lab down deletes the lab dir. Move it away or set ETCLAB_LAB_DIR`,
    );
  }
  let made = false;
  if (!entries) {
    await fs.mkdir(p.dir, { recursive: true, mode: 0o755 });
    made = true;
  }
  // 0755 so services that drop to their own user (mysql, redis) can reach their base dir below it.
  await fs.chmod(p.dir, 0o755);
  if (!(await exists(p.marker))) {
    await fs.writeFile(p.marker, 'made by etclab lab up; etclab lab down deletes this directory\n', { mode: 0o644 });
  }
  for (const n of LAB_NODES) {
    const np = p.nodes[n.name]!;
    if (!(await exists(np.base))) {
      await fs.mkdir(np.base, { recursive: true, mode: 0o755 });
      made = true;
    }
    await fs.mkdir(np.sshDir, { recursive: true, mode: 0o700 });
    // Traversable by service users; the sshd dir (host key) stays root-only.
    await fs.chmod(dirname(np.dir), 0o755);
    await fs.chmod(np.dir, 0o755);
    await fs.chmod(np.sshDir, 0o700);
  }
  await fs.mkdir(p.stateDir, { recursive: true, mode: 0o755 });
  if (made) {
    log(`lab dir ${p.dir}: created`);
    changed.push(`lab dir ${p.dir}`);
  } else log(`lab dir ${p.dir}: already up`);
}

export async function ensureKey(path: string, comment: string): Promise<boolean> {
  if ((await exists(path)) && (await exists(`${path}.pub`))) {
    await fs.chmod(path, 0o600);
    return false;
  }
  await fs.rm(path, { force: true });
  await fs.rm(`${path}.pub`, { force: true });
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  await fs.chmod(path, 0o600);
  return true;
}

export async function ensureSecrets(p: LabPaths, log: Log, changed: string[]): Promise<void> {
  await fs.mkdir(p.secretsDir, { recursive: true, mode: 0o700 });
  await fs.chmod(p.secretsDir, 0o700);
  const made: string[] = [];
  for (const name of SECRET_NAMES) {
    const file = p.secrets[name];
    try {
      // 'wx': generated once, never overwritten (services already initialised with it keep working).
      // No trailing newline: the file holds exactly the password.
      await fs.writeFile(file, hostilePasswordFromBytes(randomBytes(256)), { mode: 0o600, flag: 'wx' });
      made.push(name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      await fs.chmod(file, 0o600);
    }
  }
  if (made.length) {
    log(`lab secrets: generated ${made.join(', ')}`);
    changed.push(`secrets ${made.join(', ')}`);
  } else log('lab secrets: already up');
}
