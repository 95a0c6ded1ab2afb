// Between experiments: the reset plan (consumer groups, topic, HBase and MySQL tables, Redis keys, the
// pipeline stopped and started around them), what it would remove, and running it.
import type { Inventory } from '../provision/inventory/types.ts';
import type { Plan } from '../provision/plan/types.ts';
import { buildResetPlan, ResetPlanError, type ResetOptions } from '../provision/reset/plan.ts';
import { taskByName } from '../provision/tasks/registry.ts';
import { resolveSecret, secretValues } from '../provision/inventory/resolve-secrets.ts';
import { redactor } from '../provision/executors/direct/secrets-fill.ts';
import { runPlan } from '../provision/executors/direct/run.ts';
import type { SshPool } from '../provision/executors/direct/ssh.ts';
import { summarize, type Log, type OperationResult } from './lifecycle.ts';
import { UserError } from './errors.ts';

export function resetPlanFor(inv: Inventory, opts: ResetOptions): Plan {
  try {
    return buildResetPlan(inv, opts);
  } catch (e) {
    if (e instanceof ResetPlanError) throw new UserError(e.message);
    throw e;
  }
}

/** Each step's inspect() (read-only, in parallel: the stores are independent), as printable lines. */
export async function describePlan(inv: Inventory, plan: Plan): Promise<{ text: string; unreachable: string[] }> {
  const redact = redactor(await secretValues(inv));
  const ctx = { inventory: inv, secret: (n: string) => resolveSecret(inv, n), log: () => {} };
  const found = await Promise.all(
    plan.steps.map(async (s) => {
      if (s.action.kind !== 'task') return { lines: [], error: null };
      try {
        return { lines: await taskByName(s.action.task).inspect(s.action.params, ctx), error: null };
      } catch (e) {
        return { lines: [], error: redact((e as Error).message) };
      }
    }),
  );
  const out: string[] = [];
  const unreachable: string[] = [];
  plan.steps.forEach((s, i) => {
    out.push(`${i + 1}. ${s.title}`);
    for (const l of found[i]!.lines) out.push(`     ${l}`);
    if (found[i]!.error) {
      unreachable.push(s.title);
      out.push(`     ✗ cannot look: ${found[i]!.error}`);
    }
  });
  return { text: out.join('\n'), unreachable };
}

export async function runReset(inv: Inventory, plan: Plan, o: { log?: Log; pool?: SshPool } = {}): Promise<OperationResult> {
  const run = await runPlan(inv, plan, { pool: o.pool, log: o.log ?? (() => {}) });
  return { run, summary: summarize('reset', run) };
}
