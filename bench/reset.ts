// `reset` wall time on the lab after a full replay of the shared data set into etc_traffic_data.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runReplay, DEFAULT_TOPIC } from '../pipeline/replay/run.ts';
import { loadInventory } from '../provision/inventory/load.ts';
import { serviceModules } from '../provision/services/registry.ts';
import { labInventoryPath } from '../provision/lab/lab.ts';
import { buildResetPlan } from '../provision/reset/plan.ts';
import { runPlan } from '../provision/executors/direct/run.ts';

export async function benchReset(): Promise<Record<string, number>> {
  if (process.getuid?.() !== 0) throw new Error('needs root for the lab (sudo npm run bench)');
  const inv = await loadInventory(labInventoryPath(), serviceModules);
  const kafka = inv.services.kafka;
  if (!kafka) throw new Error('no kafka in the lab inventory');
  const brokers = kafka.roles.broker.map((n) => `${inv.nodes.find((x) => x.name === n)!.address}:${kafka.ports.broker}`);
  const dir = await mkdtemp(join(tmpdir(), 'etclab-bench-reset-'));
  try {
    const replay = await runReplay({ topic: DEFAULT_TOPIC, brokers, rate: 0, stateFile: join(dir, 'state.json'), quarantineDir: join(dir, 'q') });
    const plan = buildResetPlan(inv);
    const r = await runPlan(inv, plan, { log: () => {} });
    if (!r.ok) throw new Error(`reset failed: see ${r.runDir}`);
    const again = await runPlan(inv, plan, { log: () => {} });
    // Where the time goes: the longest step of each kind (the same step on several nodes runs in parallel).
    const parts: Record<string, number> = {};
    for (const x of r.results) {
      const k = `step_s.${x.step.service}.${x.step.phase}${x.step.role ? `:${x.step.role}` : ''}`;
      parts[k] = Math.max(parts[k] ?? 0, x.seconds);
    }
    return {
      rows_replayed_before: replay.sent,
      reset_wall_s: r.wallSeconds,
      reset_critical_path_s: r.criticalPathSeconds,
      reset_steps: r.results.length,
      ...parts,
      second_reset_wall_s: again.wallSeconds,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
