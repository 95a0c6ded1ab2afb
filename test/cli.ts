// Runs the real CLI the way a user does, for end-to-end tests.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/etclab.mjs', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function etclab(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 600_000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

export const isRoot = process.getuid?.() === 0;
export const e2e = process.env.ETCLAB_E2E === '1';
/** Why a lab suite is skipped, or null when it can run. */
export const labSkipReason = !isRoot
  ? 'needs root for network namespaces: run as root (sudo ETCLAB_E2E=1 npm test)'
  : !e2e
    ? 'lab end-to-end suite: set ETCLAB_E2E=1 to run it (sudo ETCLAB_E2E=1 npm test)'
    : null;

/** How the lab suites make the lab: nodes with their own root filesystems, so `etclab up` must install everything. */
export const LAB_UP = ['lab', 'up', '--isolated'];

/** Runs `cmd` on a lab node over SSH with the lab's key and known_hosts (host keys checked). */
export function onNode(node: 'node1' | 'node2' | 'node3', cmd: string): CliResult {
  const lab = process.env.ETCLAB_LAB_DIR ?? '/var/lib/etclab-lab';
  const r = spawnSync('ssh', ['-i', `${lab}/id_ed25519`, '-o', `UserKnownHostsFile=${lab}/known_hosts`, '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', `root@10.213.7.1${node.slice(-1)}`, cmd], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Files below `dir` (symlinks not followed, under 50 MB) that etclab wrote: an isolated node's own root
 * filesystem (nodes/<node>/root: its OS, packages, overlay work dir) is left out.
 */
export function labFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    const st = lstatSync(p);
    if (st.isDirectory()) return /\/nodes\/node\d\/root$/.test(p) ? [] : labFiles(p);
    return st.isFile() && st.size < 50_000_000 ? [p] : [];
  });
}

/** Every process's command line, NULs as spaces (processes that exit while read are skipped). */
export function allCmdlines(): string[] {
  return readdirSync('/proc')
    .filter((f) => /^\d+$/.test(f))
    .map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      } catch {
        return '';
      }
    });
}

/**
 * Where any secret shows, in any form a config file holds it (raw, and as SQL, JSON, YAML, XML and redis.conf
 * write it): files read as bytes (a CJK secret is UTF-8 there), argv strings as they are. Empty when none.
 */
export async function secretLeaks(files: string[], cmdlines: string[], secrets: string[]): Promise<string[]> {
  const { readFileSync } = await import('node:fs');
  const { SECRET_SYNTAX } = await import('../provision/executors/direct/secrets-fill.ts');
  const forms = secrets.flatMap((s) => [...new Set([s, ...Object.values(SECRET_SYNTAX).map((enc) => enc(s).replace(/^"|"$/g, ''))])]);
  const needles = forms.map((f) => Buffer.from(f, 'utf8'));
  const out: string[] = [];
  for (const f of files) {
    const bytes = readFileSync(f);
    if (needles.some((n) => bytes.includes(n))) out.push(f);
  }
  for (const c of cmdlines) if (forms.some((s) => c.includes(s))) out.push(`argv: ${c.slice(0, 80)}`);
  return out;
}
