// Foundation figures on the lab: `up` wall time vs the plan's critical path, `status` latency.
import { spawnSync } from 'node:child_process';
import { loadInventory } from '../provision/inventory/load.ts';
import { serviceModules } from '../provision/services/registry.ts';
import { buildPlan } from '../provision/plan/build.ts';
import { runPlan } from '../provision/executors/direct/run.ts';
import { SshPool } from '../provision/executors/direct/ssh.ts';
import { collectStatus } from '../provision/status/status.ts';
import { labInventoryPath, labUp } from '../provision/lab/lab.ts';

export async function benchFoundation(): Promise<Record<string, number>> {
  if (process.getuid?.() !== 0) throw new Error('needs root for the lab (sudo npm run bench)');
  const t0 = Date.now();
  await labUp({ log: () => {} });
  const labSec = (Date.now() - t0) / 1000;
  const inv = await loadInventory(labInventoryPath(), serviceModules);
  const quiet = { log: () => {} };
  const down = await runPlan(inv, buildPlan(inv, 'down', serviceModules), quiet);
  const up = await runPlan(inv, buildPlan(inv, 'up', serviceModules), quiet);
  if (!up.ok) throw new Error(`up failed: see ${up.runDir}`);
  const again = await runPlan(inv, buildPlan(inv, 'up', serviceModules), quiet);
  const pool = new SshPool(inv.nodes);
  const lat: number[] = [];
  let daemons = 0;
  for (let i = 0; i < 5; i++) {
    const s = Date.now();
    daemons = (await collectStatus(inv, serviceModules, pool)).daemons.length;
    lat.push(Date.now() - s);
  }
  pool.close();
  lat.sort((a, b) => a - b);
  // The CLI as a user types it (etclab on PATH, through a shell), against Node's bare start as the floor.
  const median = (cmd: string) => {
    const t: number[] = [];
    for (let i = 0; i < 7; i++) {
      const s = process.hrtime.bigint();
      spawnSync('sh', ['-c', cmd], { stdio: 'ignore' });
      t.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    return t.sort((a, b) => a - b)[3]!;
  };
  const cli = {
    node_bare_start_ms: median(`${process.execPath} -e 0`),
    cli_help_ms: median('etclab --help'),
    cli_status_ms: median('etclab status'),
  };
  return {
    ...cli,
    lab_up_s: labSec,
    down_wall_s: down.wallSeconds,
    up_wall_s: up.wallSeconds,
    up_critical_path_s: up.criticalPathSeconds,
    up_wall_over_critical_path: up.wallSeconds / up.criticalPathSeconds,
    up_steps: up.results.length,
    up_again_wall_s: again.wallSeconds,
    up_again_changed_steps: again.results.filter((r) => r.status === 'ok').length,
    status_latency_median_ms: lat[2],
    status_latency_max_ms: lat[4],
    status_daemons: daemons,
  };
}
