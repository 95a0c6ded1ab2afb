// `etclab probe --json '<probe>'`: one health check, retried until healthy or --timeout. The Pulumi stack
// runs it as a local command for each health step; exit 0 means healthy.
import type { Command } from 'commander';
import type { Probe } from '../../provision/probes/types.ts';
import { onChangedAnswer, probeUntil } from '../../provision/probes/until.ts';
import { resolveSecret } from '../../provision/inventory/resolve-secrets.ts';
import { loadClusterInventory, UserError } from '../context.ts';
import { secretEnvName } from '../../ops/inventory.ts';
import { taskByName } from '../../provision/tasks/registry.ts';

export function parseProbe(json: string): Probe {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (e) {
    throw new UserError(`--json is not valid JSON: ${(e as Error).message}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v) || typeof (v as Probe).protocol !== 'string')
    throw new UserError('--json must be an object with a "protocol" field, e.g. {"protocol":"redis","host":"10.213.7.11","port":6379,"passwordSecret":"redis_password"}');
  return v as Probe;
}


export function registerProbeCommand(program: Command): void {
  program
    .command('probe')
    .description('run one health probe (as printed by `etclab plan --json`) until healthy or --timeout; exit 0 when healthy')
    .requiredOption('--json <probe>', 'the probe, e.g. \'{"protocol":"zookeeper","host":"10.213.7.11","port":2181}\'')
    .option('--timeout <seconds>', 'keep retrying this long', '60')
    .option('--quiet', 'no progress lines on stderr')
    .action(async (o: { json: string; timeout: string; quiet?: boolean }) => {
      const probe = parseProbe(o.json);
      const timeoutSec = Number(o.timeout);
      if (!Number.isFinite(timeoutSec) || timeoutSec < 0) throw new UserError(`--timeout must be a number of seconds, got "${o.timeout}"`);
      const inv = await loadClusterInventory(program.opts().inventory);
      const secret = async (name: string) => process.env[secretEnvName(name)] || resolveSecret(inv, name);
      const r = await probeUntil(probe, { secret }, {
        timeoutSec,
        onAttempt: o.quiet ? undefined : onChangedAnswer((l) => process.stderr.write(`${l}\n`)),
      });
      process.stdout.write(JSON.stringify({ protocol: probe.protocol, ...r }) + '\n');
      if (!r.ok) process.exitCode = 1;
    });
}

/** `etclab task NAME --json PARAMS`: one controller-side plan task (reset work); how the Pulumi stack runs them. */
export function registerTaskCommand(program: Command): void {
  program
    .command('task')
    .description('run one controller-side plan task (as printed by `etclab plan reset --json`), e.g. kafka-recreate-topic')
    .argument('<name>', 'task name')
    .requiredOption('--json <params>', 'the task parameters as JSON')
    .option('--dry-run', 'only say what it would remove or change')
    .action(async (name: string, o: { json: string; dryRun?: boolean }) => {
      let params: Record<string, unknown>;
      try {
        params = JSON.parse(o.json) as Record<string, unknown>;
      } catch (e) {
        throw new UserError(`--json is not JSON: ${(e as Error).message}`);
      }
      const task = taskByName(name);
      const inv = await loadClusterInventory(program.opts().inventory);
      const ctx = {
        inventory: inv,
        secret: async (n: string) => process.env[secretEnvName(n)] || resolveSecret(inv, n),
        log: (l: string) => process.stderr.write(`${l}\n`),
      };
      if (o.dryRun) for (const l of await task.inspect(params, ctx)) process.stdout.write(`${l}\n`);
      else process.stdout.write(`${(await task.run(params, ctx)).detail}\n`);
    });
}
