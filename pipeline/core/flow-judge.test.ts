import { describe, expect, it } from 'vitest';
import { FlowJudge, type PartitionMinuteCount, type WarningChange } from './flow-judge.ts';
import { EwmaFlowDetector, type FlowWarning } from './flow-warning.ts';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 8) - 8 * 3600_000;

/** A deterministic generator, so a failure reproduces. */
function rng(seed: number) {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Passages of 3 checkpoints over `minutes`, with spikes and silences so warnings exist, as (cp, minute, partition). */
function passages(minutes: number, seed: number): Array<{ cp: string; minute: number; partition: number }> {
  const r = rng(seed);
  const out = [];
  for (const [cp, base] of [['A', 6], ['B', 2], ['C', 10]] as const) {
    for (let m = cp === 'B' ? 40 : 0; m < minutes; m++) {
      let n = Math.round(base + (r() - 0.5) * 4);
      if (r() < 0.02) n = base * 6;
      if (r() < 0.02) n = 0;
      for (let i = 0; i < n; i++) out.push({ cp, minute: T0 + m * MIN, partition: Math.floor(r() * 3) });
    }
  }
  return out;
}

/** The batch computation: each checkpoint from its first minute to `to`, zero minutes included, one fresh baseline. */
function batch(all: Array<{ cp: string; minute: number }>, to: number): FlowWarning[] {
  const by = new Map<string, Map<number, number>>();
  for (const p of all) {
    const m = by.get(p.cp) ?? by.set(p.cp, new Map()).get(p.cp)!;
    m.set(p.minute, (m.get(p.minute) ?? 0) + 1);
  }
  const out: FlowWarning[] = [];
  for (const [cp, m] of by) {
    const d = new EwmaFlowDetector();
    for (let t = Math.min(...m.keys()); t < to; t += MIN) {
      const w = d.observe(cp, t, m.get(t) ?? 0);
      if (w) out.push(w);
    }
  }
  return out.sort((a, b) => a.minute - b.minute || (a.checkpoint < b.checkpoint ? -1 : 1));
}

/** Per-partition absolute counts of what has arrived, as the consumers store them. */
function rowsOf(arrived: Array<{ cp: string; minute: number; partition: number }>): PartitionMinuteCount[] {
  const m = new Map<string, PartitionMinuteCount>();
  for (const p of arrived) {
    const k = `${p.cp}|${p.minute}|${p.partition}`;
    const row = m.get(k) ?? m.set(k, { checkpoint: p.cp, minute: p.minute, partition: p.partition, count: 0 }).get(k)!;
    row.count++;
  }
  return [...m.values()];
}

/** Applies changes the way the warner stores them (a replace deletes the checkpoint's warnings before `to`). */
function applyTo(store: Map<string, FlowWarning>, changes: WarningChange[]): void {
  for (const c of changes) {
    if (c.kind === 'replace') for (const [k, w] of store) if (w.checkpoint === c.checkpoint && w.minute < c.to) store.delete(k);
    for (const w of c.warnings) store.set(`${w.checkpoint}|${w.minute}`, w);
  }
}

describe('FlowJudge: warnings equal the batch computation whatever the arrival order', () => {
  const all = passages(600, 7);
  const to = T0 + 590 * MIN;

  it('in time order, judging as minutes become final', () => {
    const judge = new FlowJudge(() => new EwmaFlowDetector());
    const store = new Map<string, FlowWarning>();
    const sorted = [...all].sort((a, b) => a.minute - b.minute);
    for (let i = 0; i < sorted.length; i += 200) {
      const arrived = sorted.slice(0, i + 200);
      judge.update(rowsOf(arrived));
      applyTo(store, judge.advance(Math.min(to, arrived.at(-1)!.minute - 5 * MIN)));
    }
    applyTo(store, judge.advance(to));
    const want = batch(all, to);
    expect(want.length).toBeGreaterThan(5);
    expect(judge.warnings()).toEqual(want);
    expect([...store.values()].sort((a, b) => a.minute - b.minute || (a.checkpoint < b.checkpoint ? -1 : 1))).toEqual(want);
    expect(judge.rejudged).toBe(0);
  });

  it('in the order of an export of sorted runs (rows days late), re-judging what late rows change', () => {
    // 20 runs, each spanning the whole period, like the user's tables replayed in file order.
    const runs = Array.from({ length: 20 }, () => [] as typeof all);
    all.forEach((p, i) => runs[(i * 7919) % 20]!.push(p));
    const fileOrder = runs.flatMap((r) => r.sort((a, b) => a.minute - b.minute));
    const judge = new FlowJudge(() => new EwmaFlowDetector());
    const store = new Map<string, FlowWarning>();
    let clock = 0;
    for (let i = 0; i < fileOrder.length; i += 300) {
      const arrived = fileOrder.slice(0, i + 300);
      for (const p of fileOrder.slice(i, i + 300)) clock = Math.max(clock, p.minute);
      judge.update(rowsOf(arrived));
      applyTo(store, judge.advance(Math.min(to, clock - 5 * MIN)));
    }
    judge.update(rowsOf(fileOrder));
    applyTo(store, judge.advance(to));
    const want = batch(all, to);
    expect(judge.rejudged).toBeGreaterThan(0);
    expect(judge.warnings()).toEqual(want);
    expect([...store.values()].sort((a, b) => a.minute - b.minute || (a.checkpoint < b.checkpoint ? -1 : 1))).toEqual(want);
  });

  it('a restart (a fresh judge fed everything stored) gives the same warnings and replaces every checkpoint', () => {
    const judge = new FlowJudge(() => new EwmaFlowDetector());
    judge.update(rowsOf(all));
    const changes = judge.advance(to);
    expect(new Set(changes.map((c) => c.kind))).toEqual(new Set(['replace']));
    expect(changes.map((c) => c.checkpoint)).toEqual(['A', 'B', 'C']);
    expect(judge.warnings()).toEqual(batch(all, to));
  });

  it('a count that drops back (a recount after a redo) clears a warning it had raised', () => {
    const judge = new FlowJudge(() => new EwmaFlowDetector({ warmup: 2 }));
    const rows = (spike: number) => [0, 1, 2, 3].map((m) => ({ checkpoint: 'A', minute: T0 + m * MIN, partition: 0, count: m === 3 ? spike : 5 }));
    judge.update(rows(40));
    const first = judge.advance(T0 + 4 * MIN);
    expect(first.flatMap((c) => c.warnings).map((w) => w.direction)).toEqual(['high']);
    judge.update(rows(5));
    expect(judge.advance(T0 + 4 * MIN)).toEqual([{ checkpoint: 'A', kind: 'replace', to: T0 + 4 * MIN, warnings: [] }]);
  });
});
