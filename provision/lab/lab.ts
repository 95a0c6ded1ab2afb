// `etclab lab up|down|status`: three hosts node1..node3 on this machine, each a network namespace on a bridge
// with its own address, sshd, hostname (own UTS namespace) and base directory. Effects live here; the names,
// paths and file contents come from the pure modules next to this one.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants as fsc, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { renderLabInventory } from './inventory-file.ts';
import {
  cidrOverlaps,
  LAB_BRIDGE,
  LAB_HOST_ADDRESS,
  LAB_NODES,
  LAB_PREFIX_LEN,
  LAB_SSH_PORT,
  LAB_SUBNET,
  labDirFrom,
  labPaths,
  passwordFromBytes,
  renderHostsFile,
  renderKnownHosts,
  SECRET_NAMES,
  type LabNode,
  type LabPaths,
} from './layout.ts';
import { renderSshdConfig } from './sshd-config.ts';

export type Log = (line: string) => void;

export interface LabInfo {
  dir: string;
  inventory: string;
  key: string;
  knownHosts: string;
  nodes: { name: string; address: string; namespace: string; baseDir: string }[];
  /** What this run changed, one entry per piece; empty when the lab was already fully up. */
  changed: string[];
  ms: number;
}

export interface NodeStatus {
  name: string;
  namespace: string;
  namespacePresent: boolean;
  /** Address found on eth0 inside the namespace (null when absent). */
  address: string | null;
  expectedAddress: string;
  sshdPid: number | null;
  sshdAlive: boolean;
  /** TCP 22 answered with an SSH banner. */
  sshReachable: boolean;
}

export interface LabStatus {
  dir: string;
  bridgePresent: boolean;
  bridgeAddress: string | null;
  inventory: string;
  inventoryPresent: boolean;
  nodes: NodeStatus[];
  /** Every piece present and every sshd answering. */
  up: boolean;
}

export function labDir(): string {
  return labDirFrom(process.env);
}

export function labInventoryPath(): string {
  return labPaths(labDir()).inventory;
}

// ---------------------------------------------------------------------------------------------- processes

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(
  cmd: string,
  args: string[],
  opts: { check?: boolean; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  const { check = true, timeoutMs = 30_000 } = opts;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const r = { code: code ?? -1, stdout, stderr };
      if (check && code !== 0) {
        const why = signal ? `killed by ${signal}${signal === 'SIGKILL' ? ` (timeout ${timeoutMs}ms?)` : ''}` : `exit ${code}`;
        reject(new Error(`${cmd} ${args.join(' ')}: ${why}: ${stderr.trim() || stdout.trim()}`));
      } else resolve(r);
    });
  });
}

const ip = (...args: string[]) => run('ip', args);
const ipIn = (ns: string, ...args: string[]) => run('ip', ['-n', ns, ...args]);

interface IpLink {
  ifname: string;
  flags: string[];
  master?: string;
  linkinfo?: { info_kind?: string };
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

/** `ip -j -d addr show dev NAME` (in namespace `ns` when given); null when there is no such device. */
async function showLink(name: string, ns?: string): Promise<IpLink | null> {
  const args = [...(ns ? ['-n', ns] : []), '-j', '-d', 'addr', 'show', 'dev', name];
  const r = await run('ip', args, { check: false });
  if (r.code !== 0) {
    if (/does not exist/i.test(r.stderr)) return null;
    throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
  }
  const parsed = JSON.parse(r.stdout) as IpLink[];
  return parsed[0] ?? null;
}

const hasAddr = (l: IpLink, addr: string, len: number) =>
  (l.addr_info ?? []).some((a) => a.family === 'inet' && a.local === addr && a.prefixlen === len);
const isUp = (l: IpLink) => l.flags.includes('UP');

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

async function nsExists(ns: string): Promise<boolean> {
  return exists(join('/run/netns', ns));
}

async function readText(p: string): Promise<string | null> {
  try {
    return await fs.readFile(p, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Writes `content` when the file differs (in place, so a bind mount of it sees the change); true when written. */
async function writeIfChanged(p: string, content: string, mode: number): Promise<boolean> {
  const old = await readText(p);
  if (old === content) {
    const st = await fs.stat(p);
    if ((st.mode & 0o777) !== mode) await fs.chmod(p, mode);
    return false;
  }
  await fs.mkdir(dirname(p), { recursive: true });
  await fs.writeFile(p, content, { mode });
  await fs.chmod(p, mode); // mode above applies only when the file is created
  return true;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie has exited; only its parent's wait() is missing.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

async function procComm(pid: number): Promise<string | null> {
  return (await readText(`/proc/${pid}/comm`))?.trim() ?? null;
}

async function inode(p: string): Promise<number | null> {
  try {
    return (await fs.stat(p)).ino;
  } catch {
    return null;
  }
}

async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs: number, stepMs = 50): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Connects to addr:port and reads the SSH banner; bounded by timeoutMs. */
export function sshBanner(address: string, port = LAB_SSH_PORT, timeoutMs = 1500): Promise<string | null> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: address, port });
    let buf = '';
    const done = (v: string | null) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const nl = buf.indexOf('\n');
      if (nl >= 0) done(buf.slice(0, nl).trim());
    });
    sock.on('error', () => done(null));
    sock.on('close', () => done(null));
  });
}

// ---------------------------------------------------------------------------------------------- preflight

function requireRoot(what: string): void {
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

async function ensureTools(log: Log, changed: string[]): Promise<void> {
  const missing: string[] = [];
  for (const [tool, pkg] of Object.entries(REQUIRED_TOOLS)) {
    const found = tool === 'sshd' ? await exists('/usr/sbin/sshd') : await which(tool);
    if (!found && !missing.includes(pkg)) missing.push(pkg);
  }
  if (missing.length === 0) {
    log('lab tools (iproute2, openssh): already up');
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
async function findJavaHome(): Promise<string> {
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

async function ensureLabDir(p: LabPaths, log: Log, changed: string[]): Promise<void> {
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

async function ensureKey(path: string, comment: string): Promise<boolean> {
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

async function ensureSecrets(p: LabPaths, log: Log, changed: string[]): Promise<void> {
  await fs.mkdir(p.secretsDir, { recursive: true, mode: 0o700 });
  await fs.chmod(p.secretsDir, 0o700);
  const made: string[] = [];
  for (const name of SECRET_NAMES) {
    const file = p.secrets[name];
    try {
      // 'wx': generated once, never overwritten (services already initialised with it keep working).
      // No trailing newline: the file holds exactly the password.
      await fs.writeFile(file, passwordFromBytes(randomBytes(128)), { mode: 0o600, flag: 'wx' });
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

// ---------------------------------------------------------------------------------------------- network

async function checkSubnetFree(): Promise<void> {
  const r = await ip('-j', '-4', 'route', 'show');
  const routes = JSON.parse(r.stdout) as { dst: string; dev?: string }[];
  const clash = routes.find((x) => x.dst !== 'default' && x.dev !== LAB_BRIDGE && cidrOverlaps(x.dst, LAB_SUBNET));
  if (clash) {
    throw new Error(
      `the lab subnet ${LAB_SUBNET} overlaps route ${clash.dst} on ${clash.dev ?? '?'}: ` +
        `refusing to add the lab bridge next to it`,
    );
  }
}

async function ensureBridge(log: Log, changed: string[]): Promise<void> {
  let b = await showLink(LAB_BRIDGE);
  const did: string[] = [];
  if (b && b.linkinfo?.info_kind !== 'bridge') {
    throw new Error(`${LAB_BRIDGE} exists but is a ${b.linkinfo?.info_kind ?? 'non-bridge'} device: not touching it`);
  }
  if (!b) {
    await checkSubnetFree();
    await ip('link', 'add', LAB_BRIDGE, 'type', 'bridge');
    did.push('created');
    b = (await showLink(LAB_BRIDGE))!;
  }
  if (!hasAddr(b, LAB_HOST_ADDRESS, LAB_PREFIX_LEN)) {
    await ip('addr', 'add', `${LAB_HOST_ADDRESS}/${LAB_PREFIX_LEN}`, 'dev', LAB_BRIDGE);
    did.push(`address ${LAB_HOST_ADDRESS}/${LAB_PREFIX_LEN}`);
  }
  if (!isUp(b)) {
    await ip('link', 'set', LAB_BRIDGE, 'up');
    did.push('up');
  }
  if (did.length) {
    log(`lab bridge ${LAB_BRIDGE}: ${did.join(', ')}`);
    changed.push(`bridge ${did.join(', ')}`);
  } else log(`lab bridge ${LAB_BRIDGE}: already up`);
}

async function ensureNodeNetwork(n: LabNode, log: Log, changed: string[]): Promise<void> {
  const did: string[] = [];
  if (!(await nsExists(n.namespace))) {
    await ip('netns', 'add', n.namespace);
    did.push(`namespace ${n.namespace}`);
  }
  let hv = await showLink(n.hostVeth);
  if (hv && hv.linkinfo?.info_kind !== 'veth') {
    throw new Error(`${n.hostVeth} exists but is a ${hv.linkinfo?.info_kind ?? 'non-veth'} device: not touching it`);
  }
  if (hv && did.length) {
    // The namespace was just made, so this veth's other end sits in an old, unnamed one (its `ip netns`
    // name was deleted while a process kept it alive): useless, make a new pair.
    await ip('link', 'del', n.hostVeth);
    hv = null;
  }
  if (!hv) {
    // An eth0 left inside the namespace without its host side is not our veth (a veth dies as a pair).
    if (await showLink('eth0', n.namespace)) await ipIn(n.namespace, 'link', 'del', 'eth0');
    // The peer is born inside the namespace under a temporary name and renamed there, so the host's own
    // eth0 is never in the way (nor touched).
    await ip('link', 'add', n.hostVeth, 'type', 'veth', 'peer', 'name', n.peerVeth, 'netns', n.namespace);
    await ipIn(n.namespace, 'link', 'set', n.peerVeth, 'name', 'eth0');
    did.push(`veth ${n.hostVeth}`);
    hv = (await showLink(n.hostVeth))!;
  }
  if (hv.master !== LAB_BRIDGE) {
    await ip('link', 'set', n.hostVeth, 'master', LAB_BRIDGE);
    did.push(`${n.hostVeth} on ${LAB_BRIDGE}`);
  }
  if (!isUp(hv)) {
    await ip('link', 'set', n.hostVeth, 'up');
    did.push(`${n.hostVeth} up`);
  }
  const lo = await showLink('lo', n.namespace);
  if (!lo || !isUp(lo)) {
    await ipIn(n.namespace, 'link', 'set', 'lo', 'up');
    did.push('lo up');
  }
  const eth0 = await showLink('eth0', n.namespace);
  if (!eth0) throw new Error(`${n.namespace}: eth0 missing after creating the veth pair`);
  if (!hasAddr(eth0, n.address, LAB_PREFIX_LEN)) {
    await ipIn(n.namespace, 'addr', 'add', `${n.address}/${LAB_PREFIX_LEN}`, 'dev', 'eth0');
    did.push(`address ${n.address}`);
  }
  if (!isUp(eth0)) {
    await ipIn(n.namespace, 'link', 'set', 'eth0', 'up');
    did.push('eth0 up');
  }
  if (did.length) {
    log(`lab ${n.name} network: ${did.join(', ')}`);
    changed.push(`${n.name} network: ${did.join(', ')}`);
  } else log(`lab ${n.name} network (${n.namespace}, ${n.address}): already up`);
}

// ---------------------------------------------------------------------------------------------- sshd

interface SshdState {
  pid: number | null;
  alive: boolean;
  /** Runs in the node's namespace with its own UTS namespace (so `hostname` is the node's name). */
  placed: boolean;
}

async function sshdState(n: LabNode, p: LabPaths): Promise<SshdState> {
  const raw = await readText(p.nodes[n.name]!.pidFile);
  const pid = raw && /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : null;
  if (!pid || !pidAlive(pid) || (await procComm(pid)) !== 'sshd') return { pid, alive: false, placed: false };
  const [pidNet, nsNet, pidUts, hostUts] = await Promise.all([
    inode(`/proc/${pid}/ns/net`),
    inode(join('/run/netns', n.namespace)),
    inode(`/proc/${pid}/ns/uts`),
    inode('/proc/self/ns/uts'),
  ]);
  return { pid, alive: true, placed: pidNet !== null && pidNet === nsNet && pidUts !== hostUts };
}

async function netnsPids(ns: string): Promise<number[]> {
  if (!(await nsExists(ns))) return [];
  const r = await ip('netns', 'pids', ns);
  return r.stdout
    .split(/\s+/)
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
}

/** TERM, wait, then KILL; true when all are gone within the bound. */
async function killAndWait(pids: number[], graceMs: number): Promise<boolean> {
  const signal = (sig: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  if (await waitFor(() => pids.every((p) => !pidAlive(p)), graceMs)) return true;
  signal('SIGKILL');
  return waitFor(() => pids.every((p) => !pidAlive(p)), 5_000);
}

/**
 * sshd listeners in the node's namespace started with this node's config but not recorded in its pid file
 * (say the lab dir was deleted under them). The listener retitles itself
 * "sshd: /usr/sbin/sshd -f <cfg> ... [listener] ...", session children "sshd: root@notty".
 */
async function strayListeners(n: LabNode, cfg: string): Promise<number[]> {
  const out: number[] = [];
  for (const pid of await netnsPids(n.namespace)) {
    if ((await procComm(pid)) !== 'sshd') continue;
    const cmd = ((await readText(`/proc/${pid}/cmdline`)) ?? '').split('\0').join(' ');
    if (cmd.includes(`-f ${cfg} `)) out.push(pid);
  }
  return out;
}

async function startSshd(n: LabNode, p: LabPaths): Promise<number> {
  const np = p.nodes[n.name]!;
  await fs.mkdir('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege-separation dir
  const logFd = await fs.open(np.log, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_APPEND, 0o600);
  const logStart = (await logFd.stat()).size;
  try {
    // unshare --uts gives the daemon (and every session it forks) its own hostname; `ip netns exec` also
    // bind-mounts /etc/netns/<ns>/hosts over /etc/hosts for it. sshd forks into the background and exits.
    const child = spawn(
      'ip',
      ['netns', 'exec', n.namespace, 'unshare', '--uts', 'sh', '-c', 'hostname "$1" && exec /usr/sbin/sshd -f "$2" -E "$3"', 'sh', n.name, np.sshdConfig, np.log],
      { stdio: ['ignore', logFd.fd, logFd.fd] },
    );
    const code = await new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`starting sshd on ${n.name} did not return within 15s`));
      }, 15_000);
      child.on('error', (e) => (clearTimeout(t), reject(e)));
      child.on('exit', (c) => (clearTimeout(t), resolve(c ?? -1)));
    });
    const ready =
      code === 0 &&
      (await waitFor(async () => (await sshdState(n, p)).placed && (await sshBanner(n.address, LAB_SSH_PORT, 500)) !== null, 10_000, 100));
    if (!ready) {
      const tail = ((await readText(np.log)) ?? '').slice(logStart).trim().split('\n').slice(-8).join('\n');
      throw new Error(`sshd on ${n.name} (${n.address}:${LAB_SSH_PORT}) did not come up (exit ${code}); ${np.log}:\n${tail}`);
    }
    return (await sshdState(n, p)).pid!;
  } finally {
    await logFd.close();
  }
}

async function ensureSshd(n: LabNode, p: LabPaths, configChanged: boolean, log: Log, changed: string[]): Promise<void> {
  const np = p.nodes[n.name]!;
  const st = await sshdState(n, p);
  let why: string | null = null;
  if (!st.alive) why = st.pid ? `pid ${st.pid} is gone` : 'not running';
  else if (!st.placed) why = `pid ${st.pid} runs outside ${n.namespace} or without its own hostname`;
  else if (configChanged) why = 'config changed';
  else if ((await sshBanner(n.address)) === null) why = `pid ${st.pid} does not answer on ${n.address}:${LAB_SSH_PORT}`;
  if (!why) {
    log(`lab ${n.name} sshd (pid ${st.pid}): already up`);
    return;
  }
  const old = [...(st.alive && st.pid ? [st.pid] : []), ...(await strayListeners(n, np.sshdConfig))];
  if (old.length && !(await killAndWait([...new Set(old)], 5_000))) {
    throw new Error(`old sshd on ${n.name} (pid ${old.join(', ')}) did not exit`);
  }
  const pid = await startSshd(n, p);
  log(`lab ${n.name} sshd: started (pid ${pid}; was ${why})`);
  changed.push(`${n.name} sshd (${why})`);
}

// ---------------------------------------------------------------------------------------------- up / down / status

async function anyNamespace(): Promise<boolean> {
  for (const n of LAB_NODES) if (await nsExists(n.namespace)) return true;
  return false;
}

export async function labUp(opts: { log?: Log } = {}): Promise<LabInfo> {
  const t0 = Date.now();
  const log = opts.log ?? (() => {});
  requireRoot('up');
  const p = labPaths(labDir());
  const changed: string[] = [];
  const wasDown = !(await anyNamespace());

  await ensureTools(log, changed);
  await ensureLabDir(p, log, changed);
  await ensureSecrets(p, log, changed);

  const keysMade: string[] = [];
  if (await ensureKey(p.clientKey, 'etclab-lab-client')) keysMade.push('client key');
  const hostPubs: Record<string, string> = {};
  for (const n of LAB_NODES) {
    const np = p.nodes[n.name]!;
    if (await ensureKey(np.hostKey, `etclab-lab-${n.name}`)) keysMade.push(`${n.name} host key`);
    hostPubs[n.name] = (await readText(np.hostPub))!;
  }
  if (keysMade.length) changed.push(keysMade.join(', '));
  log(`lab ssh keys: ${keysMade.length ? `generated ${keysMade.join(', ')}` : 'already up'}`);

  const fileChanges: string[] = [];
  if (await writeIfChanged(p.authorizedKeys, (await readText(p.clientPub))!, 0o600)) fileChanges.push('authorized_keys');
  if (await writeIfChanged(p.knownHosts, renderKnownHosts(hostPubs), 0o644)) fileChanges.push('known_hosts');
  const configChanged = new Set<string>();
  for (const n of LAB_NODES) {
    const np = p.nodes[n.name]!;
    const cfg = renderSshdConfig({
      node: n.name,
      address: n.address,
      port: LAB_SSH_PORT,
      hostKey: np.hostKey,
      pidFile: np.pidFile,
      authorizedKeys: p.authorizedKeys,
    });
    if (await writeIfChanged(np.sshdConfig, cfg, 0o600)) {
      fileChanges.push(`${n.name} sshd_config`);
      configChanged.add(n.name);
    }
    if (!(await exists('/etc/netns'))) {
      await fs.mkdir('/etc/netns', { mode: 0o755 });
      await fs.writeFile(p.madeEtcNetns, '');
    }
    await fs.mkdir(np.netnsDir, { recursive: true, mode: 0o755 });
    if (await writeIfChanged(np.hostsFile, renderHostsFile(), 0o644)) fileChanges.push(`/etc/netns/${n.namespace}/hosts`);
  }
  if (fileChanges.length) changed.push(`wrote ${fileChanges.join(', ')}`);
  log(`lab ssh/hosts files: ${fileChanges.length ? `wrote ${fileChanges.join(', ')}` : 'already up'}`);

  await ensureBridge(log, changed);
  for (const n of LAB_NODES) await ensureNodeNetwork(n, log, changed);
  for (const n of LAB_NODES) await ensureSshd(n, p, configChanged.has(n.name), log, changed);

  if (wasDown || !(await exists(p.inventory))) {
    const content = renderLabInventory({ paths: p, javaHome: await findJavaHome(), nodeBin: process.execPath });
    await fs.writeFile(p.inventory, content, { mode: 0o644 });
    log(`lab inventory ${p.inventory}: written${wasDown ? ' (lab was down)' : ''}`);
    changed.push('inventory');
  } else log(`lab inventory ${p.inventory}: already up (kept as it is)`);

  if (!changed.length) log('lab already up: nothing changed');
  return {
    dir: p.dir,
    inventory: p.inventory,
    key: p.clientKey,
    knownHosts: p.knownHosts,
    nodes: LAB_NODES.map((n) => ({ name: n.name, address: n.address, namespace: n.namespace, baseDir: p.nodes[n.name]!.base })),
    changed,
    ms: Date.now() - t0,
  };
}

export async function labDown(opts: { log?: Log } = {}): Promise<{ removed: string[]; ms: number }> {
  const t0 = Date.now();
  const log = opts.log ?? (() => {});
  requireRoot('down');
  const p = labPaths(labDir());
  const removed: string[] = [];

  for (const n of LAB_NODES) {
    if (!(await nsExists(n.namespace))) continue;
    const pids = await netnsPids(n.namespace);
    if (pids.length) {
      if (!(await killAndWait(pids, 10_000))) {
        const left = pids.filter(pidAlive);
        throw new Error(`processes in ${n.namespace} did not exit after SIGKILL: ${left.join(', ')}`);
      }
      log(`lab ${n.name}: stopped ${pids.length} process${pids.length === 1 ? '' : 'es'}`);
      removed.push(`${n.name} processes (${pids.length})`);
    }
    await ip('netns', 'del', n.namespace); // takes the namespace end of the veth pair, and with it the host end
    log(`lab ${n.name}: deleted namespace ${n.namespace}`);
    removed.push(`namespace ${n.namespace}`);
  }
  for (const n of LAB_NODES) {
    const hv = await showLink(n.hostVeth);
    if (hv?.linkinfo?.info_kind === 'veth') {
      await ip('link', 'del', n.hostVeth);
      removed.push(`veth ${n.hostVeth}`);
    }
  }
  const b = await showLink(LAB_BRIDGE);
  if (b?.linkinfo?.info_kind === 'bridge') {
    await ip('link', 'del', LAB_BRIDGE);
    log(`lab bridge ${LAB_BRIDGE}: deleted`);
    removed.push(`bridge ${LAB_BRIDGE}`);
  }
  for (const n of LAB_NODES) {
    const np = p.nodes[n.name]!;
    if (await exists(np.hostsFile)) {
      await fs.rm(np.hostsFile);
      removed.push(np.hostsFile);
    }
    await fs.rmdir(np.netnsDir).catch(() => {}); // only when empty: anything else there is not ours
  }
  if ((await exists(p.madeEtcNetns)) && (await fs.rmdir('/etc/netns').then(() => true, () => false))) {
    removed.push('/etc/netns');
  }
  if (await exists(p.marker)) {
    await fs.rm(p.dir, { recursive: true, force: true });
    log(`lab dir ${p.dir}: deleted`);
    removed.push(`lab dir ${p.dir}`);
  } else if (await exists(p.dir)) {
    log(`lab dir ${p.dir}: left alone (no ${p.marker}, so not made by lab up)`);
  }
  if (!removed.length) log('lab down: nothing to remove');
  return { removed, ms: Date.now() - t0 };
}

export async function labStatus(): Promise<LabStatus> {
  const p = labPaths(labDir());
  const b = await showLink(LAB_BRIDGE).catch(() => null);
  const bridgeOk = !!b && b.linkinfo?.info_kind === 'bridge';
  const nodes: NodeStatus[] = [];
  for (const n of LAB_NODES) {
    const present = await nsExists(n.namespace);
    const eth0 = present ? await showLink('eth0', n.namespace).catch(() => null) : null;
    const addr = eth0?.addr_info?.find((a) => a.family === 'inet')?.local ?? null;
    const st = present ? await sshdState(n, p) : { pid: null, alive: false, placed: false };
    const reachable = present && (await sshBanner(n.address, LAB_SSH_PORT, 1000)) !== null;
    nodes.push({
      name: n.name,
      namespace: n.namespace,
      namespacePresent: present,
      address: addr,
      expectedAddress: n.address,
      sshdPid: st.pid,
      sshdAlive: st.alive && st.placed,
      sshReachable: reachable,
    });
  }
  const inventoryPresent = await exists(p.inventory);
  return {
    dir: p.dir,
    bridgePresent: bridgeOk,
    bridgeAddress: b?.addr_info?.find((a) => a.family === 'inet')?.local ?? null,
    inventory: p.inventory,
    inventoryPresent,
    nodes,
    up:
      bridgeOk &&
      inventoryPresent &&
      nodes.every((x) => x.namespacePresent && x.address === x.expectedAddress && x.sshdAlive && x.sshReachable),
  };
}
