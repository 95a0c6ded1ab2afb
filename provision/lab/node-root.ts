// An isolated node's own root filesystem: the cached base (read-only) under an overlay whose writes land in
// the node's upper dir, mounted in a mount namespace of the node's own. A holder process keeps that
// namespace (and its hostname) alive; sshd and every daemon it starts enter it, so they see the node's
// root, never this machine's. Nothing is mounted in this machine's namespace: when the node's last process
// exits, its mounts go with it.
//
// Bound into the node from the lab dir, at the same paths: the node's base dir (its data disk, where the
// services live), its sshd dir, the lab's authorized_keys (read-only) and /etc/hosts.
import { spawn } from 'node:child_process';
import { constants as fsc } from 'node:fs';
import fs from 'node:fs/promises';
import { join } from 'node:path';
import type { LabNode, LabPaths } from './layout.ts';
import { inode, pidAlive, procComm, readPid, readText, waitFor } from './host.ts';
import type { Log } from './host.ts';
import { q } from '../plan/daemon-scripts.ts';

interface Bind {
  from: string;
  /** Path inside the node (same as `from` unless said). */
  to: string;
  kind: 'dir' | 'file';
  readOnly: boolean;
}

export function nodeBinds(n: LabNode, p: LabPaths): Bind[] {
  const np = p.nodes[n.name]!;
  return [
    { from: np.base, to: np.base, kind: 'dir', readOnly: false },
    { from: np.sshDir, to: np.sshDir, kind: 'dir', readOnly: false },
    { from: p.authorizedKeys, to: p.authorizedKeys, kind: 'file', readOnly: true },
    { from: np.hostsFile, to: '/etc/hosts', kind: 'file', readOnly: true },
  ];
}

/**
 * The holder's script, run by `ip netns exec <ns> unshare --mount --uts --propagation private sh -c`.
 * Pure, so a test can read what a node is made of.
 */
export function holderScript(n: LabNode, p: LabPaths, base: string): string {
  const np = p.nodes[n.name]!;
  for (const path of [base, np.rootUpper, np.rootWork]) {
    // overlayfs splits its options at ',' and lowerdir at ':'.
    if (/[,:\s]/.test(path)) throw new Error(`isolated lab: ${path} must not contain ',', ':' or whitespace (overlay mount options)`);
  }
  const m = np.rootMerged;
  const lines = [
    'set -eu',
    `hostname ${q(n.name)}`,
    `mount -t overlay overlay -o lowerdir=${base},upperdir=${np.rootUpper},workdir=${np.rootWork} ${q(m)}`,
    `mount -t proc proc ${q(`${m}/proc`)}`,
    `mount -t sysfs sysfs ${q(`${m}/sys`)}`,
    `mount --rbind /dev ${q(`${m}/dev`)}`,
    `mount --make-rslave ${q(`${m}/dev`)}`,
    `mount -t tmpfs -o mode=755 tmpfs ${q(`${m}/run`)}`,
    `mkdir -p ${q(`${m}/run/sshd`)}`,
  ];
  for (const b of nodeBinds(n, p)) {
    const at = `${m}${b.to}`;
    lines.push(b.kind === 'dir' ? `mkdir -p ${q(at)}` : `mkdir -p "$(dirname ${q(at)})" && touch ${q(at)}`);
    lines.push(`mount --bind ${q(b.from)} ${q(at)}`);
    if (b.readOnly) lines.push(`mount -o remount,bind,ro ${q(at)}`);
  }
  lines.push(`exec chroot ${q(m)} /bin/sleep infinity`);
  return `${lines.join('\n')}\n`;
}

/** The holder's pid when it runs in the node's network namespace with a mount namespace of its own. */
export async function holderState(n: LabNode, p: LabPaths): Promise<number | null> {
  const pid = await readPid(p.nodes[n.name]!.holderPid);
  if (!pid || !pidAlive(pid) || (await procComm(pid)) !== 'sleep') return null;
  const [pidNet, nsNet, pidMnt, hostMnt] = await Promise.all([
    inode(`/proc/${pid}/ns/net`),
    inode(join('/run/netns', n.namespace)),
    inode(`/proc/${pid}/ns/mnt`),
    inode('/proc/self/ns/mnt'),
  ]);
  return pidNet !== null && pidNet === nsNet && pidMnt !== hostMnt ? pid : null;
}

/** Makes the node's root and its holder (idempotent); returns the holder's pid. */
export async function ensureNodeRoot(n: LabNode, p: LabPaths, base: string, log: Log, changed: string[]): Promise<number> {
  const np = p.nodes[n.name]!;
  const running = await holderState(n, p);
  if (running) {
    log(`lab ${n.name} root filesystem (holder pid ${running}): already up`);
    return running;
  }
  for (const d of [np.rootUpper, np.rootWork, np.rootMerged]) await fs.mkdir(d, { recursive: true, mode: 0o755 });
  // The node's own identity, written below the overlay before it is mounted.
  await fs.mkdir(join(np.rootUpper, 'etc'), { recursive: true, mode: 0o755 });
  await fs.writeFile(join(np.rootUpper, 'etc/hostname'), `${n.name}\n`);
  const logPath = join(np.dir, 'root', 'holder.log');
  const out = await fs.open(logPath, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC, 0o600);
  let pid: number;
  try {
    // ip netns exec and unshare (without --fork) exec in place: the child's pid is the holder's.
    const child = spawn('ip', ['netns', 'exec', n.namespace, 'unshare', '--mount', '--uts', '--propagation', 'private', 'sh', '-c', holderScript(n, p, base)], {
      detached: true, stdio: ['ignore', out.fd, out.fd],
    });
    child.unref();
    pid = child.pid!;
  } finally {
    await out.close();
  }
  await fs.writeFile(np.holderPid, `${pid}\n`, { mode: 0o644 });
  if (!(await waitFor(async () => (await holderState(n, p)) === pid || !pidAlive(pid), 15_000, 50)) || !(await holderState(n, p))) {
    const tail = ((await readText(logPath)) ?? '').trim().split('\n').slice(-8).join('\n');
    throw new Error(`lab ${n.name}: its root filesystem could not be mounted; ${logPath}:\n${tail}`);
  }
  log(`lab ${n.name} root filesystem: overlay on the base, holder pid ${pid}`);
  changed.push(`${n.name} root filesystem`);
  return pid;
}

/** argv that runs `cmd` inside the node's root (its mount, UTS and network namespaces). */
export const inNodeRoot = (holder: number, cmd: string[]): string[] => ['nsenter', '-t', String(holder), '-m', '-u', '-n', '-r', '-w', ...cmd];
