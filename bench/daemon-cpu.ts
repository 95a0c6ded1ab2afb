// CPU seconds each lab service's daemons have used so far, from their pid files and /proc: the difference of
// two samples around a run says which processes the machine's cores went to.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Inventory } from '../provision/inventory/types.ts';
import { daemonsOf } from '../provision/plan/build.ts';
import { serviceModules } from '../provision/services/registry.ts';
import { daemonPaths } from '../provision/plan/daemon-scripts.ts';

const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** utime + stime of one process in seconds; 0 when it is gone. */
function cpuSeconds(pid: string): number {
  try {
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / ticksPerSecond;
  } catch {
    return 0;
  }
}

export function cpuByService(inv: Inventory): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of daemonsOf(inv, serviceModules)) {
    let pid: string;
    try {
      pid = readFileSync(daemonPaths(d.home, d.role).pid, 'utf8').trim();
    } catch {
      continue;
    }
    out.set(d.service, (out.get(d.service) ?? 0) + cpuSeconds(pid));
  }
  return out;
}

/** CPU seconds per service between two samples, largest first, as `service:seconds` pairs. */
export function cpuSpent(before: Map<string, number>, after: Map<string, number>): Array<[string, number]> {
  return [...after].map(([s, v]): [string, number] => [s, v - (before.get(s) ?? 0)]).sort((a, b) => b[1] - a[1]);
}
