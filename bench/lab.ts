// Bare nodes against shared ones, and Pulumi against the CLI, on the same lab in one run: `etclab up` on
// isolated nodes from nothing (every package, the JDK and Node.js installed), again (nothing to do), from
// stopped daemons with everything installed; `etclab pulumi up` (offline mode) from the same stopped state
// and its destroy; then `etclab up` from nothing on shared nodes. Leaves a shared lab up with the stack running.
import { loadInventory } from '../provision/inventory/load.ts';
import { serviceModules } from '../provision/services/registry.ts';
import { buildPlan } from '../provision/plan/build.ts';
import { runPlan } from '../provision/executors/direct/run.ts';
import { labDown, labInventoryPath, labUp } from '../provision/lab/lab.ts';
import type { LabMode } from '../provision/lab/layout.ts';

const quiet = { log: () => {} };

async function freshLab(mode: LabMode) {
  await labDown();
  const t0 = Date.now();
  const lab = await labUp({ mode });
  return { labSec: (Date.now() - t0) / 1000, built: lab.changed.filter((c) => /base root filesystem|apt repository$/.test(c)), inv: await loadInventory(labInventoryPath(), serviceModules) };
}

async function timedUp(inv: Awaited<ReturnType<typeof loadInventory>>) {
  const r = await runPlan(inv, buildPlan(inv, 'up', serviceModules), quiet);
  if (!r.ok) throw new Error(`up failed: see ${r.runDir}`);
  const step = (id: RegExp) => Math.max(0, ...r.results.filter((x) => id.test(x.step.id)).map((x) => x.seconds));
  return { wall: r.wallSeconds, changed: r.results.filter((x) => x.status === 'ok').length, packages: step(/^packages\//), nodejs: step(/^nodejs\//) };
}

export async function benchLab(): Promise<Record<string, number | string>> {
  if (process.getuid?.() !== 0) throw new Error('needs root for the lab (sudo npm run bench)');
  const out: Record<string, number | string> = {};
  const iso = await freshLab('isolated');
  out.isolated_lab_up_s = iso.labSec;
  out.isolated_lab_up_built = iso.built.join(', ') || 'nothing (cached base and repository)';
  const bare = await timedUp(iso.inv);
  out.isolated_up_from_bare_s = bare.wall;
  out.isolated_up_slowest_packages_step_s = bare.packages;
  out.isolated_up_slowest_nodejs_step_s = bare.nodejs;
  const again = await timedUp(iso.inv);
  out.isolated_up_again_s = again.wall;
  out.isolated_up_again_changed_steps = again.changed;

  await runPlan(iso.inv, buildPlan(iso.inv, 'down', serviceModules), quiet);
  const installed = await timedUp(iso.inv);
  out.etclab_up_from_stopped_s = installed.wall;
  await runPlan(iso.inv, buildPlan(iso.inv, 'down', serviceModules), quiet);
  const { runPulumi } = await import('../ops/pulumi.ts');
  const pu = await runPulumi(iso.inv, 'up', { provider: 'offline', stack: 'bench' });
  if (!pu.ok) throw new Error(`pulumi up failed: ${pu.summary}`);
  out.pulumi_up_from_stopped_s = pu.seconds;
  out.pulumi_over_etclab_up = pu.seconds / installed.wall;
  const pagain = await runPulumi(iso.inv, 'up', { stack: 'bench' });
  out.pulumi_up_again_s = pagain.seconds;
  const pd = await runPulumi(iso.inv, 'destroy', { stack: 'bench' });
  out.pulumi_destroy_s = pd.seconds;

  const shared = await freshLab('shared');
  out.shared_lab_up_s = shared.labSec;
  const sh = await timedUp(shared.inv);
  out.shared_up_from_nothing_s = sh.wall;
  out.isolated_over_shared_up = bare.wall / sh.wall;
  return out;
}
