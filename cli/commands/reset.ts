// `etclab reset`: empty the pipeline's stores between experiments (consumer groups, topic, HBase tables,
// MySQL tables, Redis keys) as one plan run by the same executor as `up`. Shows what goes, asks, then does it.
import type { Command } from 'commander';
import { RESET_STORES } from '../../provision/reset/plan.ts';
import { describePlan, resetPlanFor, runReset } from '../../ops/reset.ts';
import { loadClusterInventory, splitList, UserError } from '../context.ts';
import { runJson } from './cluster.ts';
import { EXIT } from '../exit-codes.ts';
import { confirm } from '../confirm.ts';

export function registerResetCommand(program: Command): void {
  program
    .command('reset')
    .description('between experiments: delete the consumer groups, recreate the Kafka topic, truncate the HBase and MySQL tables, delete the etc: Redis keys')
    .option('--only <stores>', `only these stores (comma separated): ${RESET_STORES.join(', ')}`)
    .option('--dry-run', 'only show what would be removed, with counts; change nothing')
    .option('--yes', 'do not ask for confirmation (needed without a terminal)')
    .option('--continue-on-error', 'a store that fails does not stop the others')
    .option('--json', 'the steps and their outcome as JSON on stdout')
    .action(async (o: { only?: string; dryRun?: boolean; yes?: boolean; continueOnError?: boolean; json?: boolean }) => {
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
          if (unreachable.length) process.exitCode = EXIT.failed;
          return;
        }
        if (!process.stdin.isTTY) throw new UserError('refusing to reset without confirmation: stdin is not a terminal. Run again with --yes (or --dry-run to only look)');
        if (unreachable.length) console.error(`warning: ${unreachable.join('; ')} could not be checked, the reset will fail at that step`);
        if (!(await confirm('Delete all of the above? [y/N] '))) {
          console.error('reset cancelled: nothing was changed');
          return;
        }
      }
      const r = await runReset(inv, plan, { log: (l) => process.stderr.write(`${l}\n`) });
      console.error(r.summary);
      if (o.json) console.log(JSON.stringify(runJson(r.run), null, 2));
      if (!r.run.ok) process.exitCode = EXIT.failed;
    });
}
