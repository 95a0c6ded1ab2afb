// Inventory validation in two passes, both before anything touches a node:
//  1. readFileInventory: what the file says, checked for shape and format, wrong-typed values dropped;
//  2. checkInventory: the merged result (after defaults) cross-checked: references, clashes, local files, env.
// Every issue names the file line and dotted field; nothing stops at the first problem.
import path from 'node:path';
import type { ServiceModule } from '../services/types.ts';
import type { FileInventory, FileNode, FileService, Provenance } from './defaults.ts';
import type { ArtifactSource, Inventory, InventoryIssue, SecretRef, SshSettings } from './types.ts';

export type FieldPath = Array<string | number>;
/** Line (1-based) of a field in the file; falls back to the nearest enclosing field that exists. */
export type Locate = (path: FieldPath, at: 'key' | 'value') => number;

export function fieldOf(path: FieldPath): string {
  let s = '';
  for (const seg of path) s += typeof seg === 'number' ? `[${seg}]` : s === '' ? seg : `.${seg}`;
  return s === '' ? '(document)' : s;
}

/** Inverse of fieldOf for the dotted fields service modules return. */
export function parseField(field: string): FieldPath {
  const out: FieldPath = [];
  for (const part of field.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1] !== '') out.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

export class Issues {
  private readonly items: InventoryIssue[] = [];
  private readonly seen = new Set<string>();
  constructor(
    readonly file: string,
    private readonly locate: Locate,
  ) {}

  add(path: FieldPath, message: string, at: 'key' | 'value' = 'value'): void {
    const issue = { file: this.file, line: this.locate(path, at), field: fieldOf(path), message };
    // Defaults shared by several nodes (top-level ssh.key) would otherwise repeat one problem per node.
    const id = `${issue.field}\n${message}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.items.push(issue);
  }

  lineOf(path: FieldPath): number {
    return this.locate(path, 'value');
  }

  list(): InventoryIssue[] {
    return [...this.items].sort((a, b) => a.line - b.line);
  }
}

// ---------------------------------------------------------------------------------------------
// value formats

const TOP_KEYS = ['cluster', 'profile', 'stateDir', 'ssh', 'nodes', 'secrets', 'services'];
const NODE_KEYS = ['name', 'address', 'ssh', 'baseDir', 'javaHome'];
const SSH_KEYS = ['user', 'port', 'key', 'knownHosts'];
const SERVICE_KEYS = ['roles', 'version', 'source', 'ports', 'heap', 'settings', 'secrets'];
const SOURCE_KINDS = ['debian', 'maven', 'tarball', 'existing', 'bundle'];
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ENV_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** JVM -Xmx style; k is too small for any daemon here, so only m and g. */
export const HEAP_RE = /^[1-9][0-9]*[mMgG]$/;

export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  // Leading zeros are rejected: some resolvers read them as octal.
  return parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

export function isHostname(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  const labels = s.split('.');
  // An all-numeric dotted name is a mistyped IPv4 address, not a host name.
  if (labels.every((l) => /^[0-9]+$/.test(l))) return false;
  return labels.every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
}

export function isValidAddress(s: string): boolean {
  return isIPv4(s) || isHostname(s);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v}`;
}

function list(xs: Iterable<string>): string {
  const a = [...xs];
  return a.length === 0 ? '(none)' : a.join(', ');
}

// ---------------------------------------------------------------------------------------------
// pass 1: the file as written

function checkKeys(obj: Record<string, unknown>, allowed: string[], at: FieldPath, what: string, issues: Issues): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) issues.add([...at, k], `unknown ${what} key "${k}"; allowed: ${list(allowed)}`, 'key');
  }
}

function readString(v: unknown, at: FieldPath, issues: Issues, what: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v === '') {
    issues.add(at, `must be ${what}, got ${typeof v === 'string' ? 'an empty string' : describe(v)}`);
    return undefined;
  }
  return v;
}

function readPort(v: unknown, at: FieldPath, issues: Issues): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    issues.add(at, `must be a port number (integer 1-65535), got ${describe(v)}`);
    return undefined;
  }
  if (v < 1 || v > 65535) {
    issues.add(at, `port ${v} is out of range; use 1-65535`);
    return undefined;
  }
  return v;
}

function readAbsolute(v: unknown, at: FieldPath, issues: Issues, what: string): string | undefined {
  const s = readString(v, at, issues, `an absolute path (${what})`);
  if (s === undefined) return undefined;
  if (!s.startsWith('/')) {
    issues.add(at, `must be an absolute path on the node (${what}), got relative path "${s}"`);
    return undefined;
  }
  return s;
}

function readSsh(v: unknown, at: FieldPath, issues: Issues): Partial<SshSettings> {
  if (v === undefined || v === null) return {};
  if (!isMap(v)) {
    issues.add(at, `must be a mapping of ${list(SSH_KEYS)}, got ${describe(v)}`);
    return {};
  }
  checkKeys(v, SSH_KEYS, at, 'ssh', issues);
  const out: Partial<SshSettings> = {};
  const user = readString(v.user, [...at, 'user'], issues, 'a user name');
  if (user !== undefined) out.user = user;
  const port = readPort(v.port, [...at, 'port'], issues);
  if (port !== undefined) out.port = port;
  const key = readString(v.key, [...at, 'key'], issues, 'a path to the private key file');
  if (key !== undefined) out.key = key;
  const kh = readString(v.knownHosts, [...at, 'knownHosts'], issues, 'a path to a known_hosts file');
  if (kh !== undefined) out.knownHosts = kh;
  return out;
}

function readNodes(v: unknown, issues: Issues): FileNode[] {
  if (v === undefined || v === null) {
    issues.add(['nodes'], 'missing: list the cluster hosts under nodes: (name, address, baseDir)', 'key');
    return [];
  }
  if (!Array.isArray(v) || v.length === 0) {
    issues.add(['nodes'], `must be a non-empty list of nodes, got ${Array.isArray(v) ? 'an empty list' : describe(v)}`);
    return [];
  }
  const out: FileNode[] = [];
  const byName = new Map<string, number>();
  const byAddress = new Map<string, number>();
  v.forEach((raw, i) => {
    const at: FieldPath = ['nodes', i];
    if (!isMap(raw)) {
      issues.add(at, `must be a mapping with ${list(NODE_KEYS)}, got ${describe(raw)}`);
      return;
    }
    checkKeys(raw, NODE_KEYS, at, 'node', issues);
    const node: FileNode = { index: i, ssh: readSsh(raw.ssh, [...at, 'ssh'], issues) };

    const name = readString(raw.name, [...at, 'name'], issues, 'a node name');
    if (name === undefined && raw.name == null) issues.add([...at, 'name'], 'missing: every node needs a name');
    if (name !== undefined) {
      if (!NAME_RE.test(name)) {
        issues.add([...at, 'name'], `invalid node name "${name}": use letters, digits, ".", "_" and "-"`);
      } else if (byName.has(name)) {
        const j = byName.get(name)!;
        issues.add([...at, 'name'], `duplicate node name "${name}" (first at nodes[${j}], line ${issues.lineOf(['nodes', j, 'name'])})`);
      } else {
        byName.set(name, i);
        node.name = name;
      }
    }

    const address = readString(raw.address, [...at, 'address'], issues, 'an IPv4 address or host name');
    if (address === undefined && raw.address == null) issues.add([...at, 'address'], 'missing: every node needs an address (IPv4 or host name)');
    if (address !== undefined) {
      if (!isValidAddress(address)) {
        issues.add([...at, 'address'], `invalid address "${address}": expected an IPv4 address (e.g. 192.168.88.131) or a host name`);
      } else if (byAddress.has(address.toLowerCase())) {
        const j = byAddress.get(address.toLowerCase())!;
        issues.add([...at, 'address'], `duplicate address "${address}" (also nodes[${j}], line ${issues.lineOf(['nodes', j, 'address'])})`);
      } else {
        byAddress.set(address.toLowerCase(), i);
        node.address = address;
      }
    }

    if (raw.baseDir == null) issues.add([...at, 'baseDir'], 'missing: every node needs a baseDir (absolute path, e.g. /export/etclab)');
    const baseDir = readAbsolute(raw.baseDir, [...at, 'baseDir'], issues, 'services live below it');
    if (baseDir !== undefined) node.baseDir = baseDir;
    const javaHome = readAbsolute(raw.javaHome, [...at, 'javaHome'], issues, 'JAVA_HOME on the node');
    if (javaHome !== undefined) node.javaHome = javaHome;
    out.push(node);
  });
  return out;
}

function readSecrets(v: unknown, issues: Issues): Record<string, SecretRef> {
  if (v === undefined || v === null) return {};
  if (!isMap(v)) {
    issues.add(['secrets'], `must be a mapping of secret name to {env: VAR} or {file: path}, got ${describe(v)}`);
    return {};
  }
  const out: Record<string, SecretRef> = {};
  for (const [name, ref] of Object.entries(v)) {
    const at: FieldPath = ['secrets', name];
    if (!NAME_RE.test(name)) issues.add(at, `invalid secret name "${name}": use letters, digits, ".", "_" and "-"`, 'key');
    if (typeof ref === 'string' || typeof ref === 'number' || typeof ref === 'boolean') {
      // Never echo the value: it is a secret that just landed in a file that may get committed.
      issues.add(at, `secret "${name}" is written inline; secrets are references only: use {env: VAR} or {file: path} and remove the value from this file`);
      continue;
    }
    if (!isMap(ref) || Object.keys(ref).length !== 1 || !('env' in ref || 'file' in ref)) {
      issues.add(at, `secret "${name}" must be exactly one of {env: VAR} or {file: path}, got ${describe(ref)}${isMap(ref) ? ` with keys ${list(Object.keys(ref))}` : ''}`);
      continue;
    }
    if ('env' in ref) {
      const env = readString(ref.env, [...at, 'env'], issues, 'an environment variable name');
      if (env === undefined) continue;
      if (!ENV_RE.test(env)) {
        issues.add([...at, 'env'], `invalid environment variable name "${env}"`);
        continue;
      }
      out[name] = { env };
    } else {
      const file = readString(ref.file, [...at, 'file'], issues, 'a path to a file holding the secret');
      if (file !== undefined) out[name] = { file };
    }
  }
  return out;
}

function readSource(v: unknown, at: FieldPath, issues: Issues): ArtifactSource | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isMap(v) || typeof v.kind !== 'string' || !SOURCE_KINDS.includes(v.kind)) {
    issues.add(at, `must be {kind: ${SOURCE_KINDS.join('|')}}, got ${isMap(v) ? `kind ${JSON.stringify(v.kind)}` : describe(v)}`);
    return undefined;
  }
  const allowed = v.kind === 'tarball' ? ['kind', 'url', 'sha512'] : v.kind === 'existing' ? ['kind', 'home'] : ['kind'];
  checkKeys(v, allowed, at, `source (kind ${v.kind})`, issues);
  if (v.kind === 'tarball') {
    if (v.url == null) issues.add([...at, 'url'], 'missing: a tarball source needs url (mirror URL or local path)');
    const url = readString(v.url, [...at, 'url'], issues, 'a URL or local path');
    if (v.sha512 != null && (typeof v.sha512 !== 'string' || !/^[0-9a-fA-F]{128}$/.test(v.sha512))) {
      issues.add([...at, 'sha512'], 'must be 128 hex digits (the tarball\'s .sha512 value)');
      return undefined;
    }
    return url === undefined ? undefined : { kind: 'tarball', url, ...(v.sha512 ? { sha512: String(v.sha512) } : {}) };
  }
  if (v.kind === 'existing') {
    if (v.home == null) issues.add([...at, 'home'], 'missing: an existing source needs home (install directory on every node)');
    const home = readAbsolute(v.home, [...at, 'home'], issues, 'install directory on every node');
    return home === undefined ? undefined : { kind: 'existing', home };
  }
  return { kind: v.kind as 'debian' | 'maven' | 'bundle' };
}

function readService(name: string, v: unknown, mod: ServiceModule, issues: Issues): FileService {
  const at: FieldPath = ['services', name];
  const out: FileService = { roles: {}, ports: {}, heap: {}, settings: {}, secrets: {} };
  if (v === undefined || v === null) return out; // `redis:` alone means "with all defaults"
  if (!isMap(v)) {
    issues.add(at, `must be a mapping of ${list(SERVICE_KEYS)}, got ${describe(v)}`);
    return out;
  }
  checkKeys(v, SERVICE_KEYS, at, `${name} service`, issues);

  if (v.roles != null) {
    if (!isMap(v.roles)) issues.add([...at, 'roles'], `must be a mapping of role to node names, got ${describe(v.roles)}`);
    else {
      for (const [role, nodes] of Object.entries(v.roles)) {
        const rat: FieldPath = [...at, 'roles', role];
        if (!mod.roles.includes(role)) {
          issues.add(rat, `unknown role "${role}" for ${name}; allowed: ${list(mod.roles)}`, 'key');
          continue;
        }
        if (nodes === null) {
          out.roles[role] = [];
          continue;
        }
        if (!Array.isArray(nodes)) {
          issues.add(rat, `must be a list of node names, got ${describe(nodes)}`);
          continue;
        }
        const names: string[] = [];
        nodes.forEach((n, k) => {
          if (typeof n === 'string' && n !== '') names.push(n);
          else issues.add([...rat, k], `must be a node name, got ${describe(n)}`);
        });
        out.roles[role] = names;
      }
    }
  }

  if (v.version != null) {
    if (typeof v.version !== 'string') issues.add([...at, 'version'], `must be a quoted string (e.g. "3.8.4"), got ${describe(v.version)}`);
    else out.version = v.version;
  }
  const source = readSource(v.source, [...at, 'source'], issues);
  if (source) out.source = source;

  if (v.ports != null) {
    if (!isMap(v.ports)) issues.add([...at, 'ports'], `must be a mapping of port name to number, got ${describe(v.ports)}`);
    else {
      for (const [p, n] of Object.entries(v.ports)) {
        const port = readPort(n, [...at, 'ports', p], issues);
        if (port !== undefined) out.ports[p] = port;
      }
    }
  }

  if (v.heap != null) {
    if (!isMap(v.heap)) issues.add([...at, 'heap'], `must be a mapping of role to heap size, got ${describe(v.heap)}`);
    else {
      for (const [role, h] of Object.entries(v.heap)) {
        const hat: FieldPath = [...at, 'heap', role];
        if (!mod.roles.includes(role)) issues.add(hat, `unknown role "${role}" for ${name}; allowed: ${list(mod.roles)}`, 'key');
        else if (typeof h !== 'string' || !HEAP_RE.test(h)) {
          issues.add(hat, `invalid heap size ${JSON.stringify(h)}: use a whole number with m or g, like 256m or 1g`);
        } else out.heap[role] = h;
      }
    }
  }

  if (v.settings != null) {
    if (!isMap(v.settings)) issues.add([...at, 'settings'], `must be a mapping, got ${describe(v.settings)}`);
    else out.settings = { ...v.settings };
  }

  if (v.secrets != null) {
    if (!isMap(v.secrets)) issues.add([...at, 'secrets'], `must be a mapping of purpose to secret name, got ${describe(v.secrets)}`);
    else {
      for (const [purpose, ref] of Object.entries(v.secrets)) {
        if (typeof ref === 'string' && ref !== '') out.secrets[purpose] = ref;
        else {
          issues.add(
            [...at, 'secrets', purpose],
            `must name an entry under the top-level secrets: (e.g. ${purpose}: my_secret), got ${describe(ref)}; define the {env}/{file} reference there`,
          );
        }
      }
    }
  }
  return out;
}

function readServices(v: unknown, modules: ServiceModule[], issues: Issues): Record<string, FileService> {
  if (v === undefined || v === null) return {};
  if (!isMap(v)) {
    issues.add(['services'], `must be a mapping of service name to settings, got ${describe(v)}`);
    return {};
  }
  const out: Record<string, FileService> = {};
  for (const [name, spec] of Object.entries(v)) {
    const mod = modules.find((m) => m.name === name);
    if (!mod) {
      issues.add(['services', name], `unknown service "${name}"; known: ${list(modules.map((m) => m.name))}`, 'key');
      continue;
    }
    out[name] = readService(name, spec, mod, issues);
  }
  return out;
}

export function readFileInventory(raw: unknown, modules: ServiceModule[], issues: Issues): FileInventory {
  const empty: FileInventory = { ssh: {}, nodes: [], secrets: {}, services: {} };
  if (!isMap(raw)) {
    issues.add([], `an inventory must be a mapping with ${list(TOP_KEYS)}, got ${describe(raw)}`);
    return empty;
  }
  checkKeys(raw, TOP_KEYS, [], 'top-level', issues);
  const fi = { ...empty };

  if (raw.cluster == null) issues.add(['cluster'], 'missing: name the cluster (e.g. cluster: etc-lab)');
  const cluster = readString(raw.cluster, ['cluster'], issues, 'a cluster name');
  if (cluster !== undefined) {
    if (NAME_RE.test(cluster)) fi.cluster = cluster;
    else issues.add(['cluster'], `invalid cluster name "${cluster}": use letters, digits, ".", "_" and "-"`);
  }

  if (raw.profile != null) {
    if (raw.profile === 'lab' || raw.profile === 'prod') fi.profile = raw.profile;
    else issues.add(['profile'], `invalid profile ${JSON.stringify(raw.profile)}: must be lab (small heaps for one machine) or prod`);
  }

  const stateDir = readString(raw.stateDir, ['stateDir'], issues, 'a local directory path');
  if (stateDir !== undefined) fi.stateDir = stateDir;
  fi.ssh = readSsh(raw.ssh, ['ssh'], issues);
  fi.nodes = readNodes(raw.nodes, issues);
  fi.secrets = readSecrets(raw.secrets, issues);
  fi.services = readServices(raw.services, modules, issues);
  return fi;
}

// ---------------------------------------------------------------------------------------------
// pass 2: the merged inventory

export interface CheckContext {
  modules: ServiceModule[];
  /** Whether a local regular file exists; injectable so tests decide without touching real paths. */
  fileExists: (p: string) => boolean | Promise<boolean>;
  env: Record<string, string | undefined>;
}

const SSH_HOW: Record<keyof SshSettings, string> = {
  user: 'set ssh.user at the top level or on the node',
  port: 'set ssh.port at the top level or on the node',
  key: 'set ssh.key (path to the private key) at the top level or on the node',
  knownHosts: 'set ssh.knownHosts at the top level or on the node',
};

async function checkSsh(inv: Inventory, prov: Provenance, ctx: CheckContext, issues: Issues): Promise<void> {
  const jobs: Array<Promise<void>> = [];
  // Nodes usually share the top-level key and known_hosts: look each path up once.
  const cache = new Map<string, Promise<boolean>>();
  const exists = (p: string) => {
    if (!cache.has(p)) cache.set(p, Promise.resolve(ctx.fileExists(p)));
    return cache.get(p)!;
  };
  inv.nodes.forEach((node, i) => {
    const from = prov.sshFrom[i];
    const nodeAt: FieldPath = ['nodes', prov.fileIndex[i]];
    for (const f of ['user', 'key'] as const) {
      if (node.ssh[f] === '') issues.add([...nodeAt, 'ssh', f], `missing for node ${node.name || `nodes[${prov.fileIndex[i]}]`}: ${SSH_HOW[f]}`);
    }
    const files: Array<['key' | 'knownHosts', string]> = [
      ['key', 'SSH private key file'],
      ['knownHosts', 'known_hosts file'],
    ];
    for (const [f, what] of files) {
      const p = node.ssh[f];
      if (p === '') continue;
      const at = from[f] ?? [...nodeAt, 'ssh', f];
      const how =
        f === 'key'
          ? `create one with ssh-keygen -t ed25519 -f ${p} and install it with ssh-copy-id, or point ssh.key at an existing key`
          : `record the nodes' host keys with ssh-keyscan -H <address> >> ${p}, or point ssh.knownHosts at an existing file`;
      jobs.push(
        exists(p).then((ok) => {
          if (!ok) issues.add(at, `${what} ${p} not found; ${how}`);
        }),
      );
    }
  });
  await Promise.all(jobs);
}

function checkServices(inv: Inventory, fi: FileInventory, ctx: CheckContext, issues: Issues): void {
  const nodeNames = new Set(inv.nodes.map((n) => n.name).filter((n) => n !== ''));
  for (const [name, spec] of Object.entries(inv.services)) {
    const mod = ctx.modules.find((m) => m.name === name)!;
    const at: FieldPath = ['services', name];

    for (const [role, members] of Object.entries(spec.roles)) {
      if (!mod.roles.includes(role)) continue; // reported in pass 1 (or a module default we cannot blame on the file)
      const seen = new Set<string>();
      members.forEach((n, k) => {
        if (!nodeNames.has(n)) issues.add([...at, 'roles', role, k], `node "${n}" is not in nodes (known: ${list(nodeNames)})`);
        else if (seen.has(n)) issues.add([...at, 'roles', role, k], `node "${n}" is listed twice for role ${role}`);
        seen.add(n);
      });
    }

    const known = Object.keys(mod.defaults(inv.profile, [...nodeNames]).ports);
    if (known.length > 0) {
      for (const p of Object.keys(fi.services[name]?.ports ?? {})) {
        if (!known.includes(p)) issues.add([...at, 'ports', p], `unknown port "${p}" for ${name}; known: ${list(known)}`, 'key');
      }
    }

    for (const [purpose, secret] of Object.entries(spec.secrets)) {
      if (!(secret in inv.secrets)) {
        issues.add(
          [...at, 'secrets', purpose],
          `secret "${secret}" is not defined; add it under the top-level secrets: as ${secret}: {env: VAR} or {file: path} (defined: ${list(Object.keys(inv.secrets))})`,
        );
      }
    }

    if (name === 'zookeeper') {
      const servers = new Set(spec.roles.server ?? Object.values(spec.roles).flat());
      const rat: FieldPath = [...at, 'roles', 'server'];
      if (servers.size === 0) issues.add(rat, 'a ZooKeeper ensemble needs at least one server; list 1, 3 or 5 nodes');
      else if (servers.size % 2 === 0) {
        issues.add(rat, `a ZooKeeper ensemble of ${servers.size} servers is even: it survives no more failures than ${servers.size - 1} would; list an odd number (1, 3 or 5)`);
      }
    }

    if (mod.validate) {
      try {
        for (const i of mod.validate(spec, inv)) issues.add([...at, ...parseField(i.field)], i.message);
      } catch (err) {
        issues.add(at, `the ${name} module could not check this service: ${(err as Error).message}`);
      }
    }
  }
}

/** Two daemons cannot bind one port on one host; every port of a service counts on every node it has a role on. */
function checkPortClashes(inv: Inventory, issues: Issues): void {
  const clashes = new Map<string, { at: FieldPath; other: FieldPath; port: number; nodes: string[] }>();
  for (const node of inv.nodes) {
    if (node.name === '') continue;
    const taken = new Map<number, FieldPath>();
    for (const [svc, spec] of Object.entries(inv.services)) {
      if (!Object.values(spec.roles).some((ms) => ms.includes(node.name))) continue;
      for (const [p, port] of Object.entries(spec.ports)) {
        const here: FieldPath = ['services', svc, 'ports', p];
        const first = taken.get(port);
        if (!first) {
          taken.set(port, here);
          continue;
        }
        const id = `${fieldOf(first)}|${fieldOf(here)}`;
        const c = clashes.get(id) ?? { at: here, other: first, port, nodes: [] };
        c.nodes.push(node.name);
        clashes.set(id, c);
      }
    }
  }
  for (const c of clashes.values()) {
    issues.add(
      c.at,
      `port ${c.port} clashes with ${fieldOf(c.other)} (line ${issues.lineOf(c.other)}) on ${c.nodes.join(', ')}; give one of them another port`,
    );
  }
}

async function checkSecrets(inv: Inventory, ctx: CheckContext, issues: Issues): Promise<void> {
  await Promise.all(
    Object.entries(inv.secrets).map(async ([name, ref]) => {
      if ('env' in ref) {
        const v = ctx.env[ref.env];
        if (v === undefined || v === '') {
          issues.add(['secrets', name, 'env'], `secret "${name}": environment variable ${ref.env} is not set; export ${ref.env}=<value> before running etclab, or use {file: path}`);
        }
      } else if (!(await ctx.fileExists(ref.file))) {
        issues.add(
          ['secrets', name, 'file'],
          `secret "${name}": file ${ref.file} not found; create it holding only the secret (umask 077; mkdir -p ${path.dirname(ref.file)}; edit ${ref.file}), or use {env: VAR}`,
        );
      }
    }),
  );
}

export async function checkInventory(inv: Inventory, fi: FileInventory, prov: Provenance, ctx: CheckContext, issues: Issues): Promise<void> {
  await checkSsh(inv, prov, ctx, issues);
  checkServices(inv, fi, ctx, issues);
  checkPortClashes(inv, issues);
  await checkSecrets(inv, ctx, issues);
}
