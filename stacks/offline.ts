// The `offline` provider mode, pure half: plan → one dynamic resource description per step, and the diff
// the provider answers with. Inputs hold what the step is (ids, hashes, the step itself with its secret
// placeholders) and how to reach it (inventory file, runner bundle) — never a secret value: secrets are
// named, and the executor resolves them when it runs the step, as `etclab up` does.
import { createHash } from 'node:crypto';
import type { Inventory } from '../provision/inventory/types.ts';
import type { Plan, Step } from '../provision/plan/types.ts';
import { configDigest } from '../provision/plan/files-script.ts';
import { topoOrder } from '../provision/plan/dag.ts';
import { secretNamesIn } from '../provision/executors/direct/secrets-fill.ts';
import { coverageOf, foldCoverage, stopOf } from './coverage.ts';

/** A dynamic resource's inputs (and, with the run's outcome added, its outputs). */
export interface OfflineProps {
  node: string;
  service: string;
  stepId: string;
  title: string;
  /** sha256 of the step's own action (scripts and files with placeholders). */
  scriptHash: string;
  /** sha256 of what its effect depends on (stacks/coverage.ts): a start step's config, a probe's daemon. */
  inputsHash: string;
  /** Names of the secrets whose values the effect depends on; their digest travels as `secretsDigest`. */
  secretNames: string[];
  /** The step as the executor runs it (deps dropped: Pulumi orders the resources). */
  step: Step;
  /** For a start step: the stop step a delete runs. */
  stop?: Step;
  /** The inventory the executor loads for nodes, host keys and secret references. */
  inventory: string;
  /** The prebuilt executor entry (.build/cli/pulumi-step.mjs); $ETCLAB_STEP_RUNNER wins. */
  runner: string;
  /** sha256 over the named secrets' values, added as a Pulumi secret (encrypted in the state) by the declaring side. */
  secretsDigest?: string;
}

export interface OfflineSpec {
  name: string;
  step: Step;
  dependsOn: string[];
  props: OfflineProps;
  /** Replacing a daemon = stop the old, then start the new; create-then-delete would stop the fresh one. */
  deleteBeforeReplace: boolean;
}

/** The inputs whose change is a change of the step: anything else (paths, the step's body) is how, not what. */
export const DIFF_KEYS = ['node', 'service', 'stepId', 'scriptHash', 'inputsHash', 'secretsDigest'] as const;
/** A change of these makes another resource of the same name (never happens: the name is the step id). */
const REPLACE_KEYS = ['node', 'stepId'] as const;

const sha256 = (...parts: string[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
};

export function planToOffline(plan: Plan, downPlan: Plan, inv: Inventory, ctx: { runner: string; fileDigest: (file: string) => string }): OfflineSpec[] {
  topoOrder(plan.steps);
  const coverage = coverageOf(plan, ctx.fileDigest);
  // Over placeholders, not values: the values' digest is a separate (secret) input.
  const inputsHash = foldCoverage<string, string>(coverage, (p) => ('files' in p ? configDigest(p.files) : 'text' in p ? p.text : p.raw), (v) => sha256(...v));
  const secretNames = foldCoverage<string[], string[]>(
    coverage,
    (p) => ('files' in p ? p.files.flatMap((f) => secretNamesIn(f.content)) : secretNamesIn('text' in p ? p.text : p.raw)),
    (v) => [...new Set(v.flat())].sort(),
  );
  return plan.steps.map((step) => {
    const stop = step.phase === 'start' ? stopOf(downPlan, step) : undefined;
    const props: OfflineProps = {
      node: step.node,
      service: step.service,
      stepId: step.id,
      title: step.title,
      scriptHash: sha256(JSON.stringify(step.action)),
      inputsHash: inputsHash(step.id),
      secretNames: secretNames(step.id),
      step: { ...step, deps: [] },
      ...(stop ? { stop: { ...stop, deps: [] } } : {}),
      inventory: inv.file,
      runner: ctx.runner,
    };
    return { name: step.id, step, dependsOn: [...step.deps], props, deleteBeforeReplace: !!stop };
  });
}

/** What the provider's diff answers: the changed keys among DIFF_KEYS. */
export function offlineDiff(olds: Partial<OfflineProps>, news: Partial<OfflineProps>): { changes: boolean; diffs: string[]; replaces: string[] } {
  const diffs = DIFF_KEYS.filter((k) => (olds[k] ?? null) !== (news[k] ?? null));
  return { changes: diffs.length > 0, diffs: [...diffs], replaces: REPLACE_KEYS.filter((k) => diffs.includes(k)) };
}

/** The digest of secret values a step depends on: what makes a changed password re-run its steps. */
export function secretsDigest(names: string[], values: string[]): string {
  return sha256(...names.flatMap((n, i) => [n, values[i]!]));
}
