// Pulumi engine events → progress lines in etclab's words (the step's title: "start redis on node1"), and the
// per-step record of what the engine did. Pure: the clock is passed in.
import type { EngineEvent, OpType } from '@pulumi/pulumi/automation/index.js';
import { offlineDiff } from '../stacks/offline.ts';

export interface StepChange {
  /** The plan step id (= the resource name). */
  stepId: string;
  op: OpType;
  /** Which inputs made it change (offline mode; 'a secret it uses' when only secret inputs differ). */
  why?: string;
}

export interface Progress {
  /** Lines to print for one engine event. */
  onEvent(e: EngineEvent, nowMs: number): string[];
  /** Every step the engine did something to (not 'same'), in the order it said so. */
  changes(): StepChange[];
  /** How many steps it left as they were. */
  unchanged(): number;
  /** Titles of the steps that failed. */
  failed(): string[];
}

/** The step id of a resource URN (`urn:pulumi:stack::project::type::name`); undefined for non-step resources. */
export function stepIdOf(urn: string, type: string): string | undefined {
  return type.startsWith('pulumi:') ? undefined : urn.split('::').pop();
}

/**
 * Why an update, in words: which of the offline inputs differ. Secret inputs reach events masked (and as
 * different objects on both sides), so they are left out; an update nothing visible explains is a secret's.
 * A step's inputsHash covers its own script too, so it is named only when the script did not change.
 */
export function whyChanged(oldInputs: Record<string, unknown> | undefined, newInputs: Record<string, unknown> | undefined, phase?: string): string | undefined {
  if (!oldInputs || !newInputs) return undefined;
  const { secretsDigest: _o, ...olds } = oldInputs;
  const { secretsDigest: _n, ...news } = newInputs;
  const diffs: string[] = offlineDiff(olds, news).diffs;
  const words: string[] = [];
  if (diffs.includes('node') || diffs.includes('stepId') || diffs.includes('service')) words.push('it moved');
  if (diffs.includes('scriptHash')) words.push('its script changed');
  else if (diffs.includes('inputsHash'))
    words.push(phase === 'start' ? 'its config changed' : phase === 'health' ? 'the daemon it checks changed' : 'what it depends on changed');
  if (!words.length && 'secretsDigest' in newInputs) words.push('a secret it uses changed');
  return words.length ? words.join(', ') : undefined;
}

/** What an operation on a step means, for the step's title ("start redis on node1"). */
function verb(op: OpType, phase: string | undefined, planning: boolean): string {
  const will = planning ? 'will ' : '';
  switch (op) {
    case 'create':
      return planning ? 'will run' : 'running';
    case 'update':
      return phase === 'start' ? `${will}run again (restarts the daemon if its config changed)` : `${will}run again`;
    case 'delete':
    case 'delete-replaced':
      return phase === 'start' ? `${will}stop the daemon` : `${will}forget (nothing to undo on the node)`;
    case 'replace':
    case 'create-replacement':
      return `${will}replace`;
    default:
      return `${will}${op}`;
  }
}

/**
 * `titles` maps step ids to titles and phases (from the plan); `planning` is true for preview, where the
 * engine announces what it would do and does nothing.
 */
export function pulumiProgress(titles: Map<string, { title: string; phase: string }>, planning: boolean): Progress {
  const started = new Map<string, number>();
  const changes: StepChange[] = [];
  let same = 0;
  const failed: string[] = [];
  const name = (id: string) => titles.get(id)?.title ?? id;
  return {
    onEvent(e, now) {
      const pre = e.resourcePreEvent?.metadata;
      if (pre) {
        const id = stepIdOf(pre.urn, pre.type);
        // A step the current plan no longer has (a removed service being destroyed): its state knows its title.
        const known = (pre.new?.inputs ?? pre.old?.outputs) as { title?: unknown; step?: { phase?: unknown } } | undefined;
        if (id && !titles.has(id) && typeof known?.title === 'string') titles.set(id, { title: known.title, phase: String(known.step?.phase ?? '') });
        if (id && pre.op === 'same') same++;
        if (!id || pre.op === 'same' || pre.op === 'read' || pre.op === 'refresh') return [];
        const why = pre.op === 'update' ? whyChanged(pre.old?.inputs, pre.new?.inputs, titles.get(id)?.phase) : undefined;
        changes.push({ stepId: id, op: pre.op, ...(why ? { why } : {}) });
        started.set(id, now);
        const what = `${name(id)}: ${verb(pre.op, titles.get(id)?.phase, planning)}${why ? ` — ${why}` : ''}`;
        return [planning ? `  ${mark(pre.op)} ${what}` : `→ ${what}`];
      }
      const out = e.resOutputsEvent?.metadata;
      if (out && !planning) {
        const id = stepIdOf(out.urn, out.type);
        if (!id || out.op === 'same' || !started.has(id)) return [];
        const secs = ((now - started.get(id)!) / 1000).toFixed(1);
        const detail = typeof out.new?.outputs?.detail === 'string' && out.new.outputs.detail ? `: ${out.new.outputs.detail}` : '';
        return [`✓ ${name(id)} (${out.op}, ${secs}s)${detail}`];
      }
      const bad = e.resOpFailedEvent?.metadata;
      if (bad) {
        const id = stepIdOf(bad.urn, bad.type);
        if (!id) return [];
        failed.push(name(id));
        return [`✗ ${name(id)} failed (${bad.op})`];
      }
      const d = e.diagnosticEvent;
      // The engine's own note that the dynamic provider shim came from $PATH is how etclab runs it, not news.
      if (d && (d.severity === 'error' || d.severity === 'warning') && !d.message.includes('pulumi-resource-pulumi-nodejs from $PATH')) {
        const id = d.urn ? stepIdOf(d.urn, d.urn.split('::')[2] ?? '') : undefined;
        return [`${d.severity === 'error' ? '✗' : '!'} ${id ? `${name(id)}: ` : ''}${d.message.trimEnd()}`.replace(/\n/g, '\n    ')];
      }
      return [];
    },
    changes: () => changes,
    unchanged: () => same,
    failed: () => failed,
  };
}

const mark = (op: OpType) => (op === 'create' ? '+' : op === 'update' ? '~' : op.startsWith('delete') ? '-' : '±');
