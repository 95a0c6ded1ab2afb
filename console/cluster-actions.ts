// The console's actions on the real cluster: the same plan, prerequisite check and executor as
// `etclab start/stop/restart`, with the executor's progress lines sent to the console's panel.
import type { Inventory } from '../provision/inventory/types.ts';
import type { Operation } from '../provision/plan/types.ts';
import type { SshPool } from '../provision/executors/direct/ssh.ts';
import { runOperation } from '../ops/lifecycle.ts';
import { describePlan, resetPlanFor, runReset } from '../ops/reset.ts';
import type { ActionOutcome, ConsoleActions, FlinkJobActions, ProgressLog, ReplayOptions, ReplayProgress } from './actions.ts';
import { cancelJob, jobRows, resubmitJob, stopJob } from '../ops/flink.ts';
import { replayWith } from './replay-action.ts';

export interface ClusterActionsOptions {
  inv: Inventory;
  pool: SshPool;
  /** Aborts a replay in flight when the console quits. */
  signal?: AbortSignal;
}

export function clusterActions(o: ClusterActionsOptions): ConsoleActions {
  const { inv, pool } = o;

  // The console keeps its pool open and shows progress in its panel; a refusal is an outcome, not a crash.
  async function run(op: Operation, service: string, node: string | undefined, log: ProgressLog): Promise<ActionOutcome> {
    const label = `${op} ${service}${node ? ` on ${node}` : ''}`;
    try {
      const r = await runOperation(inv, op, { services: [service], nodes: node ? [node] : undefined, label, log, pool });
      return { ok: r.run.ok, summary: r.summary };
    } catch (e) {
      return { ok: false, summary: (e as Error).message };
    }
  }
  const start = (service: string, node: string | undefined, log: ProgressLog) => run('start', service, node, log);
  const stop = (service: string, node: string | undefined, log: ProgressLog) => run('stop', service, node, log);

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
      const r = await runReset(inv, plan, { pool, log });
      return { ok: r.run.ok, summary: r.summary };
    },
    flink: inv.services.flink ? flinkJobActions(inv) : undefined,
    replay: (opts: ReplayOptions, onProgress: (p: ReplayProgress) => void, log: ProgressLog) => replayWith(inv, opts, onProgress, log, o.signal),
  };
}

/** The jobs view's actions: the same calls as `etclab flink cancel|stop` and a reset's resubmit. */
function flinkJobActions(inv: Inventory): FlinkJobActions {
  const outcome = async (fn: () => Promise<string>): Promise<ActionOutcome> => {
    try {
      return { ok: true, summary: await fn() };
    } catch (e) {
      return { ok: false, summary: (e as Error).message };
    }
  };
  return {
    jobs: () => jobRows(inv),
    cancel: (id, log) => outcome(async () => (log(`cancelling job ${id}`), `job ${id} ${(await cancelJob(inv, id)).state}`)),
    stop: (id, log) => outcome(async () => (log(`stopping job ${id} with a savepoint`), `job ${id} stopped; savepoint ${await stopJob(inv, id)}`)),
    resubmit: (id, log) => outcome(async () => (log(`submitting job ${id} again`), `submitted again as job ${await resubmitJob(inv, id)}`)),
  };
}
