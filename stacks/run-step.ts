// The executor entry the `offline` provider calls (built to .build/cli/pulumi-step.mjs by scripts/build-cli.mjs,
// loaded by stacks/offline-provider.cjs inside the engine's provider process). A step runs through runPlan as a
// one-step plan: the same scripts, SSH pool and host-key check, secret resolution, redacted step logs and
// artifact checks as `etclab up`.
import path from 'node:path';
import { loadInventory } from '../provision/inventory/load.ts';
import type { Inventory } from '../provision/inventory/types.ts';
import { serviceModules } from '../provision/services/registry.ts';
import type { Step } from '../provision/plan/types.ts';
import { runPlan, type StepStatus } from '../provision/executors/direct/run.ts';
import { SshPool } from '../provision/executors/direct/ssh.ts';
import { offlineDiff, type OfflineProps } from './offline.ts';

export interface StepOutcome {
  status: StepStatus;
  detail: string;
  seconds: number;
  logFile?: string;
}

// One provider process serves a whole `pulumi up`: one inventory load, one SSH connection per node, one
// directory of step logs per inventory.
const sessions = new Map<string, Promise<{ inv: Inventory; pool: SshPool; runDir: string }>>();
function session(file: string) {
  let s = sessions.get(file);
  if (!s) {
    s = loadInventory(file, serviceModules).then((inv) => ({
      inv,
      pool: new SshPool(inv.nodes),
      runDir: path.join(inv.stateDir, 'runs', `${new Date().toISOString().replace(/[:.]/g, '-')}-pulumi-${process.pid}`),
    }));
    sessions.set(file, s);
    s.catch(() => sessions.delete(file));
  }
  return s;
}

/** Runs one plan step as `etclab up` would; throws (message already redacted) when it fails. */
export async function runStep(inventoryFile: string, step: Step): Promise<StepOutcome> {
  const { inv, pool, runDir } = await session(inventoryFile);
  const lines: string[] = [];
  const r = await runPlan(inv, { operation: step.phase === 'stop' ? 'down' : 'up', cluster: inv.cluster, steps: [{ ...step, deps: [] }] }, { pool, runDir, log: (l) => lines.push(l) });
  const res = r.results[0]!;
  // runPlan's lines are redacted: its first is the progress line (the engine names the step already), the rest
  // say which step failed where and end with the log's tail.
  if (res.status === 'failed') throw new Error([res.detail, ...lines.slice(1).map((l) => l.replace(/^ {4}/gm, ''))].join('\n'));
  return { status: res.status, detail: res.detail, seconds: res.seconds, ...(res.logFile ? { logFile: res.logFile } : {}) };
}

const outsOf = (props: OfflineProps, o: StepOutcome) => ({ ...props, outcome: o.status, detail: o.detail });

/** The provider's logic (stacks/offline-provider.cjs forwards every method here). */
export const offlineProvider = {
  async diff(_id: string, olds: OfflineProps, news: OfflineProps) {
    const d = offlineDiff(olds, news);
    return { changes: d.changes, replaces: d.replaces, ...(news.stop ? { deleteBeforeReplace: true } : {}) };
  },
  async create(inputs: OfflineProps) {
    return { id: inputs.stepId, outs: outsOf(inputs, await runStep(inputs.inventory, inputs.step)) };
  },
  /** A changed step runs again: a start step whose config changed restarts its daemon (the start script's rule). */
  async update(_id: string, _olds: OfflineProps, news: OfflineProps) {
    return { outs: outsOf(news, await runStep(news.inventory, news.step)) };
  },
  /** Only daemons are undone (their stop step); files, packages and checks stay, as after `etclab down`. */
  async delete(_id: string, props: OfflineProps) {
    if (props.stop) await runStep(props.inventory, props.stop);
  },
};
