// Plan facts both provider modes share: what a step's effect depends on (the parts of its fingerprint), and
// which stop step undoes a start step. One rule for `command` and `offline`, so both re-run exactly the same
// steps after an inventory change. Pure.
import type { FileSpec, Plan, Step } from '../provision/plan/types.ts';
import { indexSteps } from '../provision/plan/dag.ts';

export type Part =
  /** Text whose secret placeholders count as their values (command mode fills them; offline hashes values apart). */
  | { text: string }
  /** A daemon's config files: their digest, over resolved contents in command mode. */
  | { files: FileSpec[] }
  /** Text taken as written: JSON of an action, paths, digests. */
  | { raw: string }
  /** Another step's fingerprint (a probe re-runs when what it checks was restarted). */
  | { step: string };

/**
 * A start step covers its own config (the sibling configure step's files) and script: editing one daemon's
 * config restarts that daemon and re-runs its checks, and nothing in other services — their steps only order
 * after it, and Pulumi re-runs a resource only when its own inputs change.
 */
export function coverageOf(plan: Plan, manifestDigest: (file: string) => string): Map<string, Part[]> {
  const byId = indexSteps(plan.steps);
  const sibling = (s: Step, phase: Step['phase']) =>
    plan.steps.find((o) => o.phase === phase && o.service === s.service && o.node === s.node && o.role === s.role);
  const out = new Map<string, Part[]>();
  for (const s of plan.steps) {
    const a = s.action;
    let parts: Part[];
    if (s.phase === 'start') {
      const cfg = sibling(s, 'configure');
      parts = [{ files: cfg?.action.kind === 'files' ? cfg.action.files : [] }, { text: a.kind === 'shell' ? a.script : '' }];
    } else if (a.kind === 'probe') {
      const same = s.deps.filter((d) => byId.get(d)!.service === s.service);
      parts = [{ raw: JSON.stringify(a.probe) }, ...same.map((step) => ({ step }))];
    } else if (a.kind === 'sync') {
      parts = [{ raw: a.from }, { raw: a.to }, { raw: manifestDigest(a.manifest) }];
    } else {
      parts = [{ raw: JSON.stringify(a) }];
    }
    out.set(s.id, parts);
  }
  return out;
}

/**
 * Folds each step's parts into a value (a hash, or a Pulumi Output of one), memoized; `{step}` parts are the
 * other step's folded value, so a probe's fingerprint changes with what it depends on.
 */
export function foldCoverage<T, P>(coverage: Map<string, Part[]>, part: (p: Exclude<Part, { step: string }>) => P, combine: (parts: Array<P | T>) => T): (id: string) => T {
  const memo = new Map<string, T>();
  const fold = (id: string): T => {
    let v = memo.get(id);
    if (v !== undefined) return v;
    const parts = coverage.get(id);
    if (!parts) throw new Error(`no step ${id} in the plan`);
    v = combine(parts.map((p) => ('step' in p ? fold(p.step) : part(p))));
    memo.set(id, v);
    return v;
  };
  return fold;
}

/** The down plan's stop step of a start step's daemon (same service, node and role): what deleting it runs. */
export function stopOf(downPlan: Plan, s: Step): Step | undefined {
  return downPlan.steps.find((d) => d.phase === 'stop' && d.service === s.service && d.node === s.node && d.role === s.role);
}
