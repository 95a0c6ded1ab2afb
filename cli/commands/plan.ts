// `etclab plan`: the DAG as levels, and its critical path by estimated durations.
import type { Command } from 'commander';
import { buildPlan } from '../../provision/plan/build.ts';
import { RESET_STORES } from '../../provision/reset/plan.ts';
import { resetPlanFor } from '../../ops/reset.ts';
import { criticalPath, levels } from '../../provision/plan/dag.ts';
import type { Operation, Plan } from '../../provision/plan/types.ts';
import { serviceModules } from '../../provision/services/registry.ts';
import { loadClusterInventory, splitList, UserError } from '../context.ts';

export function formatPlan(plan: Plan): string {
  const lv = levels(plan.steps);
  const cp = criticalPath(plan.steps);
  const lines = [`plan "${plan.operation}" for cluster ${plan.cluster}: ${plan.steps.length} steps in ${lv.length} levels`];
  lv.forEach((steps, i) => {
    lines.push(`level ${i + 1} (${steps.length} in parallel):`);
    for (const s of steps) lines.push(`  ${s.title}  [${s.id}]${s.deps.length ? `  after ${s.deps.length}` : ''}`);
  });
  lines.push(`critical path ≈ ${cp.seconds.toFixed(1)}s (estimated): ${cp.steps.map((s) => s.title).join(' → ')}`);
  return lines.join('\n');
}

export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('print the plan (levels of steps that run in parallel, critical path) without running it')
    .argument('[operation]', 'up | down | reset', 'up')
    .option('--services <list>', 'only these services (comma separated)')
    .option('--node <list>', 'only these nodes')
    .option('--only <stores>', `reset only: these stores (${RESET_STORES.join(', ')})`)
    .option('--continue-on-error', 'reset only: steps independent of each other')
    .option('--json', 'the plan as JSON (secrets stay placeholders)')
    .action(async (op: string, o: { services?: string; node?: string; only?: string; continueOnError?: boolean; json?: boolean }) => {
      if (!['up', 'down', 'reset'].includes(op)) throw new UserError(`unknown operation "${op}": use up, down or reset`);
      const inv = await loadClusterInventory(program.opts().inventory);
      const plan =
        op === 'reset'
          ? resetPlanFor(inv, { only: splitList(o.only), continueOnError: o.continueOnError })
          : buildPlan(inv, op as Operation, serviceModules, { services: splitList(o.services), nodes: splitList(o.node) });
      console.log(o.json ? JSON.stringify(plan, null, 2) : formatPlan(plan));
    });
}
