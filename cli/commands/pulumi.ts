// `etclab pulumi up|preview|destroy|refresh`: the same plan as `etclab up`, as a Pulumi stack (ops/pulumi.ts).
import type { Command } from 'commander';
import { PROVIDER_MODES, PULUMI_OPS, type ProviderMode, type PulumiOp } from '../../stacks/modes.ts';
import { loadClusterInventory, UserError } from '../context.ts';
import { confirm } from '../confirm.ts';
import { EXIT } from '../exit-codes.ts';

const stderr = (l: string) => process.stderr.write(`${l}\n`);

export function registerPulumiCommand(program: Command): void {
  program
    .command('pulumi')
    .description('the cluster as a Pulumi stack (Automation API, local state under the inventory\'s stateDir): up, preview, destroy, refresh')
    .argument('<operation>', PULUMI_OPS.join(' | '))
    .option('--stack <name>', 'stack name (default: the cluster name)')
    .option('--provider <mode>', `provider mode, kept in the stack's config: ${PROVIDER_MODES.join(' | ')} (default: command when its plugin is installed, else offline)`)
    .option('--yes', 'up/destroy: do not show the preview and ask first (needed without a terminal)')
    .option('--json', 'the outcome as JSON on stdout')
    .action(async (op: string, o: { stack?: string; provider?: string; yes?: boolean; json?: boolean }) => {
      if (!(PULUMI_OPS as readonly string[]).includes(op)) throw new UserError(`unknown operation "${op}": use ${PULUMI_OPS.join(', ')}`);
      if (o.provider && !(PROVIDER_MODES as readonly string[]).includes(o.provider)) throw new UserError(`unknown provider mode "${o.provider}": use ${PROVIDER_MODES.join(' or ')}`);
      const inv = await loadClusterInventory(program.opts().inventory);
      // Loaded here: @pulumi/pulumi takes about a second to import, which `--help` should not pay.
      const { runPulumi } = await import('../../ops/pulumi.ts');
      const opts = { stack: o.stack, provider: o.provider as ProviderMode | undefined, log: stderr };
      if ((op === 'up' || op === 'destroy') && !o.yes) {
        // Like `pulumi up`: what would change first, then one question.
        const pre = await runPulumi(inv, op === 'up' ? 'preview' : 'destroy', { ...opts, previewOnly: true });
        stderr(pre.summary);
        if (!pre.ok) return void (process.exitCode = EXIT.failed);
        if (!pre.changes.length) return;
        if (!process.stdin.isTTY) throw new UserError(`refusing to ${op} without confirmation: stdin is not a terminal. Run again with --yes (or \`etclab pulumi preview\` to only look)`);
        if (!(await confirm(`${op === 'up' ? 'Apply' : 'Stop and forget'} the above? [y/N] `))) return void stderr(`pulumi ${op} cancelled: nothing was changed`);
      }
      const r = await runPulumi(inv, op as PulumiOp, opts);
      stderr(r.summary);
      if (o.json) console.log(JSON.stringify({ op: r.op, ok: r.ok, stack: r.stack, provider: r.provider, counts: r.counts, changes: r.changes, unchanged: r.unchanged, seconds: r.seconds, state: r.paths.backend }, null, 2));
      if (!r.ok) process.exitCode = EXIT.failed;
    });
}
