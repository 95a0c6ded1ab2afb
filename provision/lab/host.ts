// Local effects the lab is made of: running commands, ip(8) links, files, processes, the SSH banner.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { LAB_SSH_PORT } from './layout.ts';

/** Where the lab's progress lines go. */
export type Log = (line: string) => void;

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function run(
  cmd: string,
  args: string[],
  opts: { check?: boolean; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<RunResult> {
  const { check = true, timeoutMs = 30_000 } = opts;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd });
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

export const ip = (...args: string[]) => run('ip', args);
export const ipIn = (ns: string, ...args: string[]) => run('ip', ['-n', ns, ...args]);

interface IpLink {
  ifname: string;
  flags: string[];
  master?: string;
  linkinfo?: { info_kind?: string };
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

/** `ip -j -d addr show dev NAME` (in namespace `ns` when given); null when there is no such device. */
export async function showLink(name: string, ns?: string): Promise<IpLink | null> {
  const args = [...(ns ? ['-n', ns] : []), '-j', '-d', 'addr', 'show', 'dev', name];
  const r = await run('ip', args, { check: false });
  if (r.code !== 0) {
    if (/does not exist/i.test(r.stderr)) return null;
    throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
  }
  const parsed = JSON.parse(r.stdout) as IpLink[];
  return parsed[0] ?? null;
}

export const hasAddr = (l: IpLink, addr: string, len: number) =>
  (l.addr_info ?? []).some((a) => a.family === 'inet' && a.local === addr && a.prefixlen === len);
export const isUp = (l: IpLink) => l.flags.includes('UP');

export async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

export async function nsExists(ns: string): Promise<boolean> {
  return exists(join('/run/netns', ns));
}

export async function readText(p: string): Promise<string | null> {
  try {
    return await fs.readFile(p, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Writes `content` when the file differs (in place, so a bind mount of it sees the change); true when written. */
export async function writeIfChanged(p: string, content: string, mode: number): Promise<boolean> {
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

/** The pid a pid file records; null when the file is missing or holds anything else. */
export async function readPid(file: string): Promise<number | null> {
  const raw = (await readText(file))?.trim();
  return raw && /^\d+$/.test(raw) ? Number(raw) : null;
}

export function pidAlive(pid: number): boolean {
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

export async function procComm(pid: number): Promise<string | null> {
  return (await readText(`/proc/${pid}/comm`))?.trim() ?? null;
}

export async function inode(p: string): Promise<number | null> {
  try {
    return (await fs.stat(p)).ino;
  } catch {
    return null;
  }
}

export async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs: number, stepMs = 50): Promise<boolean> {
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
