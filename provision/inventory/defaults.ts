// Turns what the file says (already shape-checked) into a complete Inventory by filling in defaults.
// Pure: no file system, no environment; the home directory is passed in so tests control `~`.
import path from 'node:path';
import type { ServiceModule } from '../services/types.ts';
import type { ArtifactSource, Inventory, NodeSpec, SecretRef, ServiceSpec, SshSettings } from './types.ts';

export const DEFAULT_JAVA_HOME = '/usr/lib/jvm/java-17-openjdk-amd64';
/** The package that puts a JDK 17 at DEFAULT_JAVA_HOME on Debian 12 and Ubuntu 22.04 (the JVMs need no compiler). */
export const JAVA_PACKAGE = 'openjdk-17-jre-headless';
export const DEFAULT_PROFILE: Inventory['profile'] = 'prod';
/** Below the inventory's directory, so two clusters described side by side never share state. */
export const DEFAULT_STATE_DIR = '.etclab';
/** Only the fields with a conventional value get one; user and key must be stated. */
export const DEFAULT_SSH: Partial<SshSettings> = { port: 22, knownHosts: '~/.ssh/known_hosts' };

/** Inventory fields as written in the file: everything optional, wrong-typed values already dropped. */
export interface FileNode {
  /** Position in the file's `nodes` list, for messages. */
  index: number;
  name?: string;
  address?: string;
  baseDir?: string;
  javaHome?: string;
  ssh: Partial<SshSettings>;
}

export interface FileService {
  roles: Record<string, string[]>;
  version?: string;
  source?: ArtifactSource;
  ports: Record<string, number>;
  heap: Record<string, string>;
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
}

export interface FileInventory {
  cluster?: string;
  profile?: Inventory['profile'];
  stateDir?: string;
  ssh: Partial<SshSettings>;
  nodes: FileNode[];
  secrets: Record<string, SecretRef>;
  services: Record<string, FileService>;
}

export type SshField = keyof SshSettings;

/** Where each node's effective values came from, so an issue can point at the line that set them. */
export interface Provenance {
  /** inventory.nodes[i] was nodes[fileIndex[i]] in the file. */
  fileIndex: number[];
  /** Dotted-path segments of the field that set inventory.nodes[i].ssh[f] (null: built-in default or unset). */
  sshFrom: Array<Record<SshField, Array<string | number> | null>>;
}

/** `~` is the controller user's home; relative paths are relative to the inventory file, not the cwd. */
export function expandPath(p: string, baseDir: string, homeDir: string): string {
  if (p === '~') return homeDir;
  if (p.startsWith('~/')) return path.join(homeDir, p.slice(2));
  return path.resolve(baseDir, p);
}

function isUrl(s: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s);
}

/** The file's values win per key; a role, port, heap, setting or secret it does not mention keeps the module's value. */
export function mergeServiceSpec(
  defaults: ReturnType<ServiceModule['defaults']>,
  file: FileService,
): ServiceSpec {
  return {
    roles: { ...defaults.roles, ...file.roles },
    version: file.version ?? defaults.version,
    source: file.source ?? defaults.source,
    ports: { ...defaults.ports, ...file.ports },
    heap: { ...defaults.heap, ...file.heap },
    settings: { ...(defaults.settings ?? {}), ...file.settings },
    secrets: { ...defaults.secrets, ...file.secrets },
  };
}

export interface DefaultsContext {
  /** Absolute path of the inventory file. */
  file: string;
  homeDir: string;
  modules: ServiceModule[];
}

export function applyDefaults(fi: FileInventory, ctx: DefaultsContext): { inventory: Inventory; provenance: Provenance } {
  const dir = path.dirname(ctx.file);
  const local = (p: string) => expandPath(p, dir, ctx.homeDir);
  const profile = fi.profile ?? DEFAULT_PROFILE;

  const nodes: NodeSpec[] = [];
  const provenance: Provenance = { fileIndex: [], sshFrom: [] };
  for (const n of fi.nodes) {
    const from = {} as Record<SshField, Array<string | number> | null>;
    const ssh = {} as Record<SshField, string | number | undefined>;
    for (const f of ['user', 'port', 'key', 'knownHosts'] as const) {
      if (n.ssh[f] !== undefined) {
        ssh[f] = n.ssh[f];
        from[f] = ['nodes', n.index, 'ssh', f];
      } else if (fi.ssh[f] !== undefined) {
        ssh[f] = fi.ssh[f];
        from[f] = ['ssh', f];
      } else {
        ssh[f] = DEFAULT_SSH[f];
        from[f] = null;
      }
    }
    nodes.push({
      name: n.name ?? '',
      address: n.address ?? '',
      ssh: {
        user: (ssh.user as string | undefined) ?? '',
        port: (ssh.port as number | undefined) ?? 0,
        key: ssh.key === undefined ? '' : local(ssh.key as string),
        knownHosts: ssh.knownHosts === undefined ? '' : local(ssh.knownHosts as string),
      },
      baseDir: n.baseDir ?? '',
      javaHome: n.javaHome ?? DEFAULT_JAVA_HOME,
      javaFrom: n.javaHome ? 'inventory' : 'package',
    });
    provenance.fileIndex.push(n.index);
    provenance.sshFrom.push(from);
  }

  const secrets: Record<string, SecretRef> = {};
  for (const [name, ref] of Object.entries(fi.secrets)) {
    secrets[name] = 'file' in ref ? { file: local(ref.file) } : { env: ref.env };
  }

  const nodeNames = nodes.map((n) => n.name).filter((n) => n !== '');
  const services: Record<string, ServiceSpec> = {};
  for (const [name, fs] of Object.entries(fi.services)) {
    const mod = ctx.modules.find((m) => m.name === name);
    if (!mod) continue; // reported by validation; nothing to merge with
    const spec = mergeServiceSpec(mod.defaults(profile, nodeNames), fs);
    if (spec.source.kind === 'tarball' && !isUrl(spec.source.url)) {
      spec.source = { ...spec.source, url: local(spec.source.url) };
    }
    services[name] = spec;
  }

  return {
    inventory: {
      file: ctx.file,
      cluster: fi.cluster ?? '',
      profile,
      stateDir: local(fi.stateDir ?? DEFAULT_STATE_DIR),
      nodes,
      secrets,
      services,
    },
    provenance,
  };
}
