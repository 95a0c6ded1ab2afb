// `etclab reset`: empty the pipeline's stores between experiments (consumer groups, topic, HBase tables,
// MySQL tables, Redis keys) as one plan run by the same executor as `up`. Shows what goes, asks, then does it.
import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import type { Inventory } from '../../provision/inventory/types.ts';
import type { Plan } from '../../provision/plan/types.ts';
import { buildResetPlan, ResetPlanError, RESET_STORES, type ResetOptions } from '../../provision/reset/plan.ts';
import { taskByName } from '../../provision/tasks/registry.ts';
import { resolveSecret, secretValues } from '../../provision/inventory/resolve-secrets.ts';
import { redactor } from '../../provision/executors/direct/secrets-fill.ts';
import { runPlan } from '../../provision/executors/direct/run.ts';
import { summarize } from './cluster.ts';
import { loadClusterInventory, splitList, UserError } from '../context.ts';

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
    for (const l of found[i].lines) out.push(`     ${l}`);
    if (found[i].error) {
      unreachable.push(s.title);
      out.push(`     ✗ cannot look: ${found[i].error}`);
    }
  });
  return { text: out.join('\n'), unreachable };
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export function registerResetCommand(program: Command): void {
  program
    .command('reset')
    .description('between experiments: delete the consumer groups, recreate the Kafka topic, truncate the HBase and MySQL tables, delete the etc: Redis keys')
    .option('--only <stores>', `only these stores (comma separated): ${RESET_STORES.join(', ')}`)
    .option('--dry-run', 'only show what would be removed, with counts; change nothing')
    .option('--yes', 'do not ask for confirmation (needed without a terminal)')
    .option('--continue-on-error', 'a store that fails does not stop the others')
    .action(async (o: { only?: string; dryRun?: boolean; yes?: boolean; continueOnError?: boolean }) => {
      const inv = await loadClusterInventory(program.opts().inventory);
      const plan = resetPlanFor(inv, { only: splitList(o.only), continueOnError: o.continueOnError });
      if (!plan.steps.length) throw new UserError(`nothing to reset: the inventory ${inv.file} has none of the services behind ${RESET_STORES.join(', ')}`);
      const chain = o.continueOnError ? 'each store on its own (--continue-on-error)' : 'every store is checked first and nothing is stopped or emptied unless all answer; then the stores are emptied in parallel';
      if (o.dryRun || !o.yes) {
        console.error(`looking at what a reset of cluster ${inv.cluster} would remove…`);
        const { text, unreachable } = await describePlan(inv, plan);
        console.log(`reset of cluster ${inv.cluster}: ${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'}, ${chain}\n${text}`);
        if (o.dryRun) {
          console.log(`dry run: nothing was changed${unreachable.length ? `; ${unreachable.length} step${unreachable.length > 1 ? 's' : ''} could not be checked (the reset would fail there)` : ''}`);
          if (unreachable.length) process.exitCode = 1;
          return;
        }
        if (!process.stdin.isTTY) throw new UserError('refusing to reset without confirmation: stdin is not a terminal. Run again with --yes (or --dry-run to only look)');
        if (unreachable.length) console.error(`warning: ${unreachable.join('; ')} could not be checked, the reset will fail at that step`);
        if (!(await confirm('Delete all of the above? [y/N] '))) {
          console.error('reset cancelled: nothing was changed');
          return;
        }
      }
      const r = await runPlan(inv, plan);
      console.error(summarize('reset', r));
      if (!r.ok) process.exitCode = 1;
    });
}
