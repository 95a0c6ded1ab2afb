// `etclab pulumi up|preview|destroy|refresh` as a function: the stack over the Automation API with an inline
// program (no language host needed), a file backend under the inventory's stateDir, progress in the plan's
// words. Takes an inventory and a log sink, returns results; never prints or exits.
import { mkdirSync } from 'node:fs';
import { LocalWorkspace, PulumiCommand, type EngineEvent, type OpType, type Stack } from '@pulumi/pulumi/automation/index.js';
import type { Inventory } from '../provision/inventory/types.ts';
import { buildPlan } from '../provision/plan/build.ts';
import { serviceModules } from '../provision/services/registry.ts';
import { declareFor } from '../stacks/program.ts';
import { PROVIDER_MODES, providerMode, type ProviderMode, type PulumiOp } from '../stacks/modes.ts';
import { engineEnv, findPulumiCli, freshStepRunner, hasCommandPlugin, passphraseEnv, pulumiPaths, type PulumiPaths } from './pulumi-env.ts';
import { pulumiProgress, type StepChange } from './pulumi-progress.ts';
import { UserError } from './errors.ts';
import type { Log } from './lifecycle.ts';

export interface PulumiOptions {
  /** Stack name (default: the inventory's cluster name). */
  stack?: string;
  /** Sets the stack's provider mode (stack config etclab:provider); unset: kept, or chosen on first use. */
  provider?: ProviderMode;
  log?: Log;
  /** Resource operations at once (like `etclab up`'s 8). */
  parallel?: number;
  /** destroy: only say what it would stop and forget (to ask before doing it). */
  previewOnly?: boolean;
}

export interface PulumiResult {
  op: PulumiOp;
  ok: boolean;
  stack: string;
  provider: ProviderMode;
  /** The engine's counts by operation (create, update, delete, same …), the stack resource included. */
  counts: Partial<Record<OpType, number>>;
  /** Each step the engine created, updated or deleted (or, for preview, would). */
  changes: StepChange[];
  /** Steps left as they were. */
  unchanged: number;
  seconds: number;
  summary: string;
  paths: PulumiPaths;
}

/** A stack name from the cluster name: Pulumi allows letters, digits, '-', '_' and '.'. */
export const defaultStackName = (inv: Inventory) => inv.cluster.replace(/[^A-Za-z0-9_.-]/g, '-');

interface Opened {
  stack: Stack;
  mode: ProviderMode;
  paths: PulumiPaths;
}

async function openStack(inv: Inventory, o: PulumiOptions, log: Log): Promise<Opened> {
  const paths = pulumiPaths(inv);
  for (const d of [paths.backend, paths.home, paths.project]) mkdirSync(d, { recursive: true, mode: 0o700 });
  const cli = await PulumiCommand.get({ root: findPulumiCli() });
  const runner = freshStepRunner();
  const env = engineEnv(paths, runner, await passphraseEnv(inv, paths));
  const stackName = o.stack ?? defaultStackName(inv);
  // The mode is read inside the program from a variable set below, before any operation runs the program.
  let mode: ProviderMode = 'offline';
  const program = async () => declareFor(inv, mode, { runner, log });
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName, projectName: 'etclab', program },
    {
      workDir: paths.project,
      pulumiCommand: cli,
      envVars: env,
      projectSettings: { name: 'etclab', runtime: 'nodejs', description: 'The ETC lab from the same plan as `etclab up` (etclab pulumi)' },
    },
  );
  mode = await chooseMode(stack, o.provider, env, paths, log);
  return { stack, mode, paths };
}

/**
 * The stack's provider mode, kept in its config so it never flips by itself: switching modes replaces every
 * resource (different types), which stops and starts every daemon — so a switch is refused while the stack
 * has resources. Unset: `command` where its plugin is installed, `offline` otherwise.
 */
async function chooseMode(stack: Stack, wanted: ProviderMode | undefined, env: Record<string, string>, paths: PulumiPaths, log: Log): Promise<ProviderMode> {
  const all = await stack.getAllConfig();
  const current = all['etclab:provider']?.value;
  if (current && !wanted) return providerMode(current);
  if (current && wanted && current !== wanted) {
    const resources = ((await stack.exportStack()).deployment?.resources ?? []).filter((r: { type: string }) => !r.type.startsWith('pulumi:')).length;
    if (resources > 0)
      throw new UserError(
        `stack ${stack.name} runs in ${current} mode with ${resources} steps; switching to ${wanted} would replace (stop and start) every daemon. Run \`etclab pulumi destroy\` first`,
      );
  }
  const mode = wanted ?? (hasCommandPlugin(env, paths.home) ? 'command' : 'offline');
  if (!wanted) log(`stack ${stack.name}: provider mode ${mode} (${mode === 'offline' ? 'no pulumi-resource-command plugin here: each step is a dynamic resource run by etclab\'s own executor' : 'the command provider plugin is installed'}); kept in the stack's config`);
  await stack.setConfig('etclab:provider', { value: mode });
  return mode;
}

/** Step titles by id, for progress lines; steps the plan no longer has are named from their state. */
function titles(inv: Inventory): Map<string, { title: string; phase: string }> {
  return new Map(buildPlan(inv, 'up', serviceModules).steps.map((s) => [s.id, { title: s.title, phase: s.phase }]));
}

export async function runPulumi(inv: Inventory, op: PulumiOp, o: PulumiOptions = {}): Promise<PulumiResult> {
  const log = o.log ?? (() => {});
  if (o.provider && !(PROVIDER_MODES as readonly string[]).includes(o.provider)) throw new UserError(`unknown provider mode "${o.provider}": use ${PROVIDER_MODES.join(' or ')}`);
  const t0 = Date.now();
  const { stack, mode, paths } = await openStack(inv, o, log);
  const planning = op === 'preview' || !!o.previewOnly;
  const progress = pulumiProgress(titles(inv), planning);
  const onEvent = (e: EngineEvent) => {
    for (const l of progress.onEvent(e, Date.now())) log(l);
  };
  const parallel = o.parallel ?? 8;
  log(`pulumi ${op} of stack ${stack.name} (${mode} mode; state in ${paths.backend})`);
  let counts: Partial<Record<OpType, number>> = {};
  let ok = true;
  try {
    if (op === 'preview') counts = (await stack.preview({ onEvent, parallel })).changeSummary as Partial<Record<OpType, number>>;
    else if (op === 'up') counts = ((await stack.up({ onEvent, parallel })).summary.resourceChanges ?? {}) as Partial<Record<OpType, number>>;
    else if (op === 'destroy' && o.previewOnly) counts = (await stack.previewDestroy({ onEvent, parallel })).changeSummary as Partial<Record<OpType, number>>;
    else if (op === 'destroy') counts = ((await stack.destroy({ onEvent, parallel })).summary.resourceChanges ?? {}) as Partial<Record<OpType, number>>;
    else counts = ((await stack.refresh({ onEvent, parallel })).summary.resourceChanges ?? {}) as Partial<Record<OpType, number>>;
  } catch (e) {
    ok = false;
    // A failed step was already printed from the engine's diagnostics (which step, why, its log's tail); the
    // error then only repeats the CLI's whole output. Anything else (no step ran) is shown as it is.
    if (!progress.failed().length) log(`pulumi ${op} failed: ${firstLines((e as Error).message)}`);
  }
  const seconds = (Date.now() - t0) / 1000;
  const changes = progress.changes();
  const unchanged = progress.unchanged();
  return { op, ok, stack: stack.name, provider: mode, counts, changes, unchanged, seconds, summary: summarize(planning ? 'preview' : op, ok, changes, unchanged, seconds, progress.failed()), paths };
}

/** The Automation API's error carries the whole CLI output: the first lines name the failure. */
function firstLines(text: string, n = 12): string {
  const lines = text.split('\n').filter((l) => l.trim());
  return lines.slice(0, n).join('\n') + (lines.length > n ? `\n… (${lines.length - n} more lines)` : '');
}

/** One line in steps (the engine's own counts include the stack resource itself). */
export function summarize(op: PulumiOp, ok: boolean, changes: StepChange[], unchanged: number, seconds: number, failed: string[] = []): string {
  const byOp = new Map<string, number>();
  for (const c of changes) byOp.set(c.op, (byOp.get(c.op) ?? 0) + 1);
  const word: Record<string, string> = { create: 'created', update: 'run again', delete: 'deleted', replace: 'replaced' };
  const parts = [...byOp].map(([k, n]) => `${n} ${op === 'preview' ? k : word[k] ?? k}`);
  if (unchanged) parts.push(`${unchanged} unchanged`);
  const n = changes.length;
  const steps = `${n} step${n === 1 ? '' : 's'}`;
  const head = !ok
    ? `pulumi ${op} FAILED${failed.length ? `: ${failed.join(', ')}` : ''}`
    : op === 'preview'
      ? n ? `pulumi preview: ${steps} would change` : 'pulumi preview: nothing would change'
      : n ? `pulumi ${op} done: ${steps} changed` : `pulumi ${op}: nothing changed`;
  return `${head}${parts.length ? ` (${parts.join(', ')})` : ''}, wall ${seconds.toFixed(1)}s`;
}
