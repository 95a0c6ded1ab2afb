// One sshd per node, inside its namespace: state, start, stop, and what a leftover one looks like.
import { spawn } from 'node:child_process';
import { constants as fsc } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { LAB_SSH_PORT, type LabNode, type LabPaths } from './layout.ts';
import { inode, ip, nsExists, pidAlive, procComm, readPid, readText, run, sshBanner, waitFor } from './host.ts';
import type { Log } from './host.ts';
import { inNodeRoot } from './node-root.ts';

interface SshdState {
  pid: number | null;
  alive: boolean;
  /** Runs in the node's namespace with its own UTS namespace (so `hostname` is the node's name). */
  placed: boolean;
}

export async function sshdState(n: LabNode, p: LabPaths): Promise<SshdState> {
  const pid = await readPid(p.nodes[n.name]!.pidFile);
  if (!pid || !pidAlive(pid) || (await procComm(pid)) !== 'sshd') return { pid, alive: false, placed: false };
  const [pidNet, nsNet, pidUts, hostUts] = await Promise.all([
    inode(`/proc/${pid}/ns/net`),
    inode(join('/run/netns', n.namespace)),
    inode(`/proc/${pid}/ns/uts`),
    inode('/proc/self/ns/uts'),
  ]);
  return { pid, alive: true, placed: pidNet !== null && pidNet === nsNet && pidUts !== hostUts };
}

export async function netnsPids(ns: string): Promise<number[]> {
  if (!(await nsExists(ns))) return [];
  const r = await ip('netns', 'pids', ns);
  return r.stdout
    .split(/\s+/)
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
}

/** TERM, wait, then KILL; true when all are gone within the bound. */
export async function killAndWait(pids: number[], graceMs: number): Promise<boolean> {
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

async function startSshd(n: LabNode, p: LabPaths, holder: number | null): Promise<number> {
  const np = p.nodes[n.name]!;
  await fs.mkdir('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege-separation dir
  const logFd = await fs.open(np.log, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_APPEND, 0o600);
  const logStart = (await logFd.stat()).size;
  try {
    // Shared: unshare --uts gives the daemon (and every session it forks) its own hostname; `ip netns exec`
    // also bind-mounts /etc/netns/<ns>/hosts over /etc/hosts for it. Isolated: sshd enters the namespaces
    // of the node's holder, hence its root filesystem and hostname (node-root.ts). sshd forks and exits.
    const sshd = ['/usr/sbin/sshd', '-f', np.sshdConfig, '-E', np.log];
    const [cmd, ...args] = holder
      ? inNodeRoot(holder, sshd)
      : ['ip', 'netns', 'exec', n.namespace, 'unshare', '--uts', 'sh', '-c', 'hostname "$1" && shift && exec "$@"', 'sh', n.name, ...sshd];
    const child = spawn(cmd!, args, { stdio: ['ignore', logFd.fd, logFd.fd] });
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

/** `holder`: the isolated node's root holder (node-root.ts), whose namespaces sshd must share; null when shared. */
export async function ensureSshd(n: LabNode, p: LabPaths, configChanged: boolean, log: Log, changed: string[], holder: number | null = null): Promise<void> {
  const np = p.nodes[n.name]!;
  const st = await sshdState(n, p);
  let why: string | null = null;
  if (!st.alive) why = st.pid ? `pid ${st.pid} is gone` : 'not running';
  else if (!st.placed) why = `pid ${st.pid} runs outside ${n.namespace} or without its own hostname`;
  else if (holder && (await inode(`/proc/${st.pid}/ns/mnt`)) !== (await inode(`/proc/${holder}/ns/mnt`))) why = `pid ${st.pid} runs outside ${n.name}'s root filesystem`;
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
  const pid = await startSshd(n, p, holder);
  log(`lab ${n.name} sshd: started (pid ${pid}; was ${why})`);
  changed.push(`${n.name} sshd (${why})`);
}
