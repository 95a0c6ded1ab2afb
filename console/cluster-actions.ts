// The console's actions on the real cluster: the same plan, prerequisite check and executor as
// `etclab start/stop/restart`, with the executor's progress lines sent to the console's panel.
import type { Inventory } from '../provision/inventory/types.ts';
import type { ServiceModule } from '../provision/services/types.ts';
import type { Operation } from '../provision/plan/types.ts';
import { buildPlan } from '../provision/plan/build.ts';
import { runPlan } from '../provision/executors/direct/run.ts';
import type { SshPool } from '../provision/executors/direct/ssh.ts';
import { checkPrerequisites, summarize } from '../cli/commands/cluster.ts';
import type { ActionOutcome, ConsoleActions, ProgressLog, ReplayOptions, ReplayProgress } from './actions.ts';
import { replayWith } from './replay-action.ts';
import { describePlan, resetPlanFor } from '../cli/commands/reset.ts';

export interface ClusterActionsOptions {
  inv: Inventory;
  pool: SshPool;
  modules: ServiceModule[];
  /** Aborts a replay in flight when the console quits. */
  signal?: AbortSignal;
}

export function clusterActions(o: ClusterActionsOptions): ConsoleActions {
  const { inv, pool, modules } = o;

  async function run(op: Operation, service: string, node: string | undefined, label: string, log: ProgressLog): Promise<ActionOutcome> {
    const plan = buildPlan(inv, op, modules, { services: [service], nodes: node ? [node] : undefined });
    if (!plan.steps.length) return { ok: false, summary: `nothing to ${op}: no daemon of ${service} on ${node ?? 'any node'}` };
    log(`${label}: ${plan.steps.length} steps on ${new Set(plan.steps.map((s) => s.node)).size} nodes`);
    const r = await runPlan(inv, plan, { pool, log });
    return { ok: r.ok, summary: summarize(label, r) };
  }

  async function start(service: string, node: string | undefined, log: ProgressLog): Promise<ActionOutcome> {
    const label = `start ${service}${node ? ` on ${node}` : ''}`;
    try {
      await checkPrerequisites(inv, [service], pool);
    } catch (e) {
      return { ok: false, summary: (e as Error).message };
    }
    return run('start', service, node, label, log);
  }

  const stop = (service: string, node: string | undefined, log: ProgressLog) => run('stop', service, node, `stop ${service}${node ? ` on ${node}` : ''}`, log);

  return {
    start,
    stop,
    async restart(service, node, log) {
      const s = await stop(service, node, log);
      if (!s.ok) return s;
      const t = await start(service, node, log);
      return { ok: t.ok, summary: `${s.summary}\n${t.summary}` };
    },
    // The same plan, dry-run summary and executor as `etclab reset`.
    async reset(dryRun, log) {
      let plan;
      try {
        plan = resetPlanFor(inv, {});
      } catch (e) {
        return { ok: false, summary: (e as Error).message };
      }
      if (dryRun) {
        const { text, unreachable } = await describePlan(inv, plan);
        for (const l of text.split('\n')) log(l);
        return unreachable.length
          ? { ok: false, summary: `cannot reset: ${unreachable.join('; ')} could not be checked (is the service up?)` }
          : { ok: true, summary: 'dry run: nothing was changed' };
      }
      const r = await runPlan(inv, plan, { pool, log });
      return { ok: r.ok, summary: summarize('reset', r) };
    },
    replay: (opts: ReplayOptions, onProgress: (p: ReplayProgress) => void, log: ProgressLog) => replayWith(inv, opts, onProgress, log, o.signal),
  };
}
