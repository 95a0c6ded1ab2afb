// Graph arithmetic over plan steps: order, levels, critical path. Pure.
import type { Step } from './types.ts';

export function indexSteps(steps: Step[]): Map<string, Step> {
  const byId = new Map<string, Step>();
  for (const s of steps) {
    if (byId.has(s.id)) throw new Error(`plan has two steps with id ${s.id}`);
    byId.set(s.id, s);
  }
  for (const s of steps)
    for (const d of s.deps) if (!byId.has(d)) throw new Error(`step ${s.id} depends on unknown step ${d}`);
  return byId;
}

/** Steps in dependency order; throws naming a step on a cycle. */
export function topoOrder(steps: Step[]): Step[] {
  const byId = indexSteps(steps);
  const state = new Map<string, 'visiting' | 'done'>();
  const out: Step[] = [];
  const visit = (s: Step, path: string[]) => {
    const st = state.get(s.id);
    if (st === 'done') return;
    if (st === 'visiting') throw new Error(`plan has a cycle: ${[...path, s.id].join(' → ')}`);
    state.set(s.id, 'visiting');
    for (const d of s.deps) visit(byId.get(d)!, [...path, s.id]);
    state.set(s.id, 'done');
    out.push(s);
  };
  for (const s of steps) visit(s, []);
  return out;
}

/** Level n holds the steps whose longest dependency chain has n steps: each level can run in parallel. */
export function levels(steps: Step[]): Step[][] {
  const level = new Map<string, number>();
  const out: Step[][] = [];
  for (const s of topoOrder(steps)) {
    const l = s.deps.length ? Math.max(...s.deps.map((d) => level.get(d)!)) + 1 : 0;
    level.set(s.id, l);
    (out[l] ??= []).push(s);
  }
  return out;
}

export interface CriticalPath {
  seconds: number;
  steps: Step[];
}

/** Longest path by duration (estimates before a run, measured seconds after one). */
export function criticalPath(steps: Step[], durationOf: (s: Step) => number = (s) => s.estimateSec): CriticalPath {
  const finish = new Map<string, { t: number; prev?: string }>();
  const byId = indexSteps(steps);
  for (const s of topoOrder(steps)) {
    let best: { t: number; prev?: string } = { t: 0 };
    for (const d of s.deps) {
      const f = finish.get(d)!;
      if (f.t > best.t) best = { t: f.t, prev: d };
    }
    finish.set(s.id, { t: best.t + durationOf(s), prev: best.prev });
  }
  let endId: string | undefined;
  let end = -1;
  for (const [id, f] of finish) if (f.t > end) [end, endId] = [f.t, id];
  const path: Step[] = [];
  for (let id = endId; id; id = finish.get(id)!.prev) path.unshift(byId.get(id)!);
  return { seconds: Math.max(end, 0), steps: path };
}

/** Every step that transitively depends on `id`. */
export function dependentsOf(steps: Step[], id: string): Set<string> {
  const out = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of steps)
      if (!out.has(s.id) && s.deps.some((d) => d === id || out.has(d))) {
        out.add(s.id);
        grew = true;
      }
  }
  return out;
}
