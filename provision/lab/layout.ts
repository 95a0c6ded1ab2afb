// Names, addresses and paths of the local lab. Fixed so the rest of etclab (tests, docs, the CLI) can rely on them.
import { join } from 'node:path';

export const LAB_BRIDGE = 'etclab0';
export const LAB_PREFIX_LEN = 24;
export const LAB_SUBNET = '10.213.7.0/24';
export const LAB_HOST_ADDRESS = '10.213.7.1';
export const LAB_SSH_PORT = 22;
/** The lab's apt repository, served on the bridge to isolated nodes (apt-cacher's port, by habit). */
export const LAB_APT_PORT = 3142;
/**
 * shared: the nodes see this machine's filesystem (fast; packages come from the host).
 * isolated: each node has its own root filesystem (a minimal Debian), so `up` must install what it needs.
 */
export type LabMode = 'shared' | 'isolated';
export const DEFAULT_LAB_DIR = '/var/lib/etclab-lab';
/** Written into the lab dir by `lab up`; `lab down` deletes a lab dir only when it finds this file. */
export const LAB_MARKER = '.etclab-lab';
export const SECRET_NAMES = ['redis_password', 'mysql_root_password', 'mysql_app_password', 'mysql_read_password', 'redis_read_password'] as const;
export type LabSecretName = (typeof SECRET_NAMES)[number];

export interface LabNode {
  name: string;
  /** Network namespace the node lives in. */
  namespace: string;
  /** Host side of the node's veth pair, attached to the bridge. */
  hostVeth: string;
  /** Temporary name of the namespace side before it is renamed to eth0 inside the namespace. */
  peerVeth: string;
  address: string;
}

export const LAB_NODES: readonly LabNode[] = [1, 2, 3].map((i) => ({
  name: `node${i}`,
  namespace: `etclab-node${i}`,
  hostVeth: `etclab-v${i}`,
  peerVeth: `etclab-p${i}`,
  address: `10.213.7.${10 + i}`,
}));

export function labDirFrom(env: NodeJS.ProcessEnv): string {
  const d = env.ETCLAB_LAB_DIR;
  if (d !== undefined && d !== '' && !d.startsWith('/')) {
    throw new Error(`ETCLAB_LAB_DIR must be an absolute path, got ${JSON.stringify(d)}`);
  }
  return d && d !== '' ? d.replace(/\/+$/, '') || '/' : DEFAULT_LAB_DIR;
}

export interface NodePaths {
  dir: string;
  sshDir: string;
  sshdConfig: string;
  hostKey: string;
  hostPub: string;
  pidFile: string;
  log: string;
  base: string;
  /** /etc/netns/<ns>/hosts: `ip netns exec` bind-mounts it over /etc/hosts inside the namespace. */
  netnsDir: string;
  hostsFile: string;
  /** Isolated nodes: overlay (base read-only below, this node's writes in upper) mounted at merged. */
  rootUpper: string;
  rootWork: string;
  rootMerged: string;
  /** The process holding the node's mount namespace (its root) while no daemon runs, and its start time. */
  holderPid: string;
}

export interface LabPaths {
  dir: string;
  marker: string;
  /** Present when `lab up` created /etc/netns itself, so `lab down` may remove it (when empty). */
  madeEtcNetns: string;
  clientKey: string;
  clientPub: string;
  knownHosts: string;
  authorizedKeys: string;
  secretsDir: string;
  secrets: Record<LabSecretName, string>;
  inventory: string;
  stateDir: string;
  /** Which LabMode the lab was made in (a lab changes mode only through `lab down`). */
  modeFile: string;
  aptPid: string;
  aptLog: string;
  nodes: Record<string, NodePaths>;
}

export function labPaths(dir: string): LabPaths {
  const secretsDir = join(dir, 'secrets');
  const nodes: Record<string, NodePaths> = {};
  for (const n of LAB_NODES) {
    const nd = join(dir, 'nodes', n.name);
    const sshDir = join(nd, 'ssh');
    const netnsDir = join('/etc/netns', n.namespace);
    nodes[n.name] = {
      dir: nd,
      sshDir,
      sshdConfig: join(sshDir, 'sshd_config'),
      hostKey: join(sshDir, 'ssh_host_ed25519_key'),
      hostPub: join(sshDir, 'ssh_host_ed25519_key.pub'),
      pidFile: join(sshDir, 'sshd.pid'),
      log: join(sshDir, 'sshd.log'),
      base: join(nd, 'base'),
      netnsDir,
      hostsFile: join(netnsDir, 'hosts'),
      rootUpper: join(nd, 'root', 'upper'),
      rootWork: join(nd, 'root', 'work'),
      rootMerged: join(nd, 'root', 'merged'),
      holderPid: join(nd, 'root', 'holder.pid'),
    };
  }
  return {
    dir,
    marker: join(dir, LAB_MARKER),
    madeEtcNetns: join(dir, '.made-etc-netns'),
    clientKey: join(dir, 'id_ed25519'),
    clientPub: join(dir, 'id_ed25519.pub'),
    knownHosts: join(dir, 'known_hosts'),
    authorizedKeys: join(dir, 'authorized_keys'),
    secretsDir,
    secrets: Object.fromEntries(SECRET_NAMES.map((s) => [s, join(secretsDir, s)])) as Record<LabSecretName, string>,
    inventory: join(dir, 'inventory.yaml'),
    stateDir: join(dir, 'state'),
    modeFile: join(dir, 'mode'),
    aptPid: join(dir, 'apt-repo.pid'),
    aptLog: join(dir, 'apt-repo.log'),
    nodes,
  };
}

/** /etc/hosts as seen inside every lab namespace: each node resolves the others (and itself) by name. */
export function renderHostsFile(): string {
  return [
    '# etclab lab: bind-mounted over /etc/hosts inside the lab namespaces by `ip netns exec`',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    `${LAB_HOST_ADDRESS}\tetclab-host`,
    ...LAB_NODES.map((n) => `${n.address}\t${n.name}`),
    '',
  ].join('\n');
}

/** known_hosts lines, one per node, keyed by address (port 22 needs no [addr]:port form). */
export function renderKnownHosts(hostPubKeys: Record<string, string>): string {
  return (
    LAB_NODES.map((n) => {
      const pub = hostPubKeys[n.name];
      if (!pub) throw new Error(`no host key for ${n.name}`);
      const [type, blob] = pub.trim().split(/\s+/);
      if (!type || !blob) throw new Error(`malformed host public key for ${n.name}: ${JSON.stringify(pub)}`);
      return `${n.address} ${type} ${blob}`;
    }).join('\n') + '\n'
  );
}

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A password from `bytes` (random input): alphanumerics only, so it survives shells, URLs and config files. */
export function passwordFromBytes(bytes: Uint8Array, length = 24): string {
  // Rejection sampling keeps every character equally likely (256 is not a multiple of the alphabet size).
  const limit = 256 - (256 % ALPHABET.length);
  let out = '';
  for (const b of bytes) {
    if (b >= limit) continue;
    out += ALPHABET[b % ALPHABET.length];
    if (out.length === length) return out;
  }
  throw new Error(`not enough random bytes for a ${length}-char password`);
}

/**
 * The lab's passwords are hostile on purpose: 60 random alphanumerics around quotes, a backslash, `$`, `#`,
 * `%`, spaces and CJK characters, so every lab suite proves each config syntax carries them (secrets-fill.ts)
 * and no log or argv shows them.
 */
export function hostilePasswordFromBytes(bytes: Uint8Array): string {
  const r = passwordFromBytes(bytes, 60);
  return `${r.slice(0, 20)}'"\\ $HOME#1 %s 密码${r.slice(20, 40)} 口令'" \`x\`${r.slice(40)}`;
}

function ipv4ToInt(a: string): number {
  const parts = a.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not an IPv4 address: ${JSON.stringify(a)}`);
  }
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

/** Whether two IPv4 prefixes ("a.b.c.d/n" or a bare address) share any address. */
export function cidrOverlaps(a: string, b: string): boolean {
  const parse = (c: string): [number, number] => {
    const [addr, len] = c.split('/');
    const n = len === undefined ? 32 : Number(len);
    if (!Number.isInteger(n) || n < 0 || n > 32) throw new Error(`bad prefix length in ${JSON.stringify(c)}`);
    return [ipv4ToInt(addr!), n];
  };
  const [ia, la] = parse(a);
  const [ib, lb] = parse(b);
  const len = Math.min(la, lb);
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return ((ia & mask) >>> 0) === ((ib & mask) >>> 0);
}
