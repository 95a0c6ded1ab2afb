// The log pane: the newest lines of a daemon's log on its node, read over the same SSH pool as status.
import { daemonPaths, q } from '../provision/plan/daemon-scripts.ts';
import type { SshPool } from '../provision/executors/direct/ssh.ts';

/**
 * Tails the most recently written of the daemon's logs: its console output (`<role>.out`, where the start
 * script sends stdout/stderr) or a log file the daemon writes itself whose name mentions the role (Hadoop's
 * `hadoop-…-datanode-….log`; for single-role services any `*.log`, e.g. redis.log).
 */
export function logTailScript(home: string, role: string, lines = 50): string {
  const p = daemonPaths(home, role);
  const others = role === 'server' ? `${q(p.logs)}/*.log` : `${q(p.logs)}/*${role.replace(/[^A-Za-z0-9_-]/g, '')}*.log`;
  return `set -u
f=$(ls -t ${q(p.out)} ${others} 2>/dev/null | head -n 1)
if [ -z "$f" ]; then echo "(no log yet in ${p.logs})"; exit 0; fi
echo "==> $f"
tail -n ${Math.max(1, Math.floor(lines))} "$f"
`;
}

export async function readDaemonLog(pool: SshPool, node: string, home: string, role: string, lines = 50): Promise<string> {
  const r = await pool.exec(node, logTailScript(home, role, lines), { timeoutSec: 10 });
  if (r.code !== 0) throw new Error(`reading the log on ${node} failed (exit ${r.code}): ${r.output.trim().split('\n').at(-1) ?? ''}`);
  return r.output;
}
