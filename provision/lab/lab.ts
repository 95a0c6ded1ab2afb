// `etclab lab up|down|status`: three hosts node1..node3 on this machine, each a network namespace on a bridge
// with its own address, sshd, hostname (own UTS namespace) and base directory. Effects live here; the names,
// paths and file contents come from the pure modules next to this one.
import fs from 'node:fs/promises';
import { renderLabInventory } from './inventory-file.ts';
import { LAB_BRIDGE, LAB_NODES, LAB_SSH_PORT, labDirFrom, labPaths, renderHostsFile, renderKnownHosts } from './layout.ts';
import { renderSshdConfig } from './sshd-config.ts';
import { exists, ip, nsExists, pidAlive, readText, run, showLink, sshBanner, writeIfChanged } from './host.ts';
import { ensureKey, ensureLabDir, ensureSecrets, ensureTools, findJavaHome, requireRoot } from './preflight.ts';
import { ensureBridge, ensureNodeNetwork } from './network.ts';
import { ensureSshd, killAndWait, netnsPids, sshdState } from './sshd.ts';
import { ensureAptRepo, ensureBaseRootfs } from './rootfs.ts';
import { ensureAptServer, stopAptServer } from './apt-server.ts';
import { ensureNodeRoot, holderState } from './node-root.ts';
import { labPackages } from './packages.ts';
import type { LabMode } from './layout.ts';

export type { Log } from './host.ts';
import type { Log } from './host.ts';

export interface LabInfo {
  dir: string;
  mode: LabMode;
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
  /** Isolated lab: the pid holding the node's own root filesystem (null when missing or shared). */
  rootHolderPid: number | null;
}

export interface LabStatus {
  dir: string;
  /** The mode the lab was made in; null when there is no lab. */
  mode: LabMode | null;
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

// ---------------------------------------------------------------------------------------------- up / down / status

async function anyNamespace(): Promise<boolean> {
  for (const n of LAB_NODES) if (await nsExists(n.namespace)) return true;
  return false;
}

async function madeMode(p: ReturnType<typeof labPaths>): Promise<LabMode | null> {
  const m = (await readText(p.modeFile))?.trim();
  return m === 'shared' || m === 'isolated' ? m : null;
}

/**
 * `mode`: what the caller asks for; by default the running lab's mode, else shared. A lab changes mode only
 * through `lab down` (an isolated node's services would otherwise lose their installed packages).
 */
export async function labUp(opts: { log?: Log; mode?: LabMode } = {}): Promise<LabInfo> {
  const t0 = Date.now();
  const log = opts.log ?? (() => {});
  requireRoot('up');
  const p = labPaths(labDir());
  const changed: string[] = [];
  const wasDown = !(await anyNamespace());
  const current = wasDown ? null : await madeMode(p);
  const mode: LabMode = opts.mode ?? current ?? 'shared';
  if (current && current !== mode) {
    throw new Error(`the lab is up with ${current} nodes: run \`etclab lab down\` first, then \`etclab lab up${mode === 'isolated' ? ' --isolated' : ''}\``);
  }

  await ensureTools(log, changed, mode);
  await ensureLabDir(p, log, changed);
  await fs.writeFile(p.modeFile, `${mode}\n`, { mode: 0o644 });
  await ensureSecrets(p, log, changed);
  // Before the nodes, and the isolated nodes' apt repository, which is served on the bridge's address.
  await ensureBridge(log, changed);
  let base = '';
  if (mode === 'isolated') {
    base = await ensureBaseRootfs(log, changed);
    await ensureAptServer(p, await ensureAptRepo(labPackages(), log, changed), log, changed);
  }

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

  for (const n of LAB_NODES) await ensureNodeNetwork(n, log, changed);
  for (const n of LAB_NODES) {
    const holder = mode === 'isolated' ? await ensureNodeRoot(n, p, base, log, changed) : null;
    await ensureSshd(n, p, configChanged.has(n.name), log, changed, holder);
  }

  if (wasDown || !(await exists(p.inventory))) {
    const content = renderLabInventory({ paths: p, mode, javaHome: mode === 'shared' ? await findJavaHome() : undefined });
    await fs.writeFile(p.inventory, content, { mode: 0o644 });
    log(`lab inventory ${p.inventory}: written${wasDown ? ' (lab was down)' : ''}`);
    changed.push('inventory');
  } else log(`lab inventory ${p.inventory}: already up (kept as it is)`);

  if (!changed.length) log('lab already up: nothing changed');
  return {
    dir: p.dir,
    mode,
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
  if (await stopAptServer(p)) {
    log('lab apt repository server: stopped');
    removed.push('apt repository server');
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
    const holder = present ? await holderState(n, p) : null;
    nodes.push({
      name: n.name,
      namespace: n.namespace,
      namespacePresent: present,
      address: addr,
      expectedAddress: n.address,
      sshdPid: st.pid,
      sshdAlive: st.alive && st.placed,
      sshReachable: reachable,
      rootHolderPid: holder,
    });
  }
  const inventoryPresent = await exists(p.inventory);
  const mode = await madeMode(p);
  return {
    dir: p.dir,
    mode,
    bridgePresent: bridgeOk,
    bridgeAddress: b?.addr_info?.find((a) => a.family === 'inet')?.local ?? null,
    inventory: p.inventory,
    inventoryPresent,
    nodes,
    up:
      bridgeOk &&
      inventoryPresent &&
      nodes.every((x) => x.namespacePresent && x.address === x.expectedAddress && x.sshdAlive && x.sshReachable && (mode !== 'isolated' || x.rootHolderPid !== null)),
  };
}
