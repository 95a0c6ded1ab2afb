import { describe, expect, it } from 'vitest';
import { finalBefore, judgeMinutes, type MinuteCount } from './flow-closing.ts';
import { EwmaFlowDetector } from './flow-warning.ts';

const MIN = 60_000;

describe('final minutes', () => {
  it('follow the slowest partition, minus the bound, rounded down to a minute', () => {
    expect(finalBefore([10 * MIN + 5, 20 * MIN], 2 * MIN)).toBe(8 * MIN);
    expect(finalBefore([10 * MIN, null], 0)).toBeNull();
    expect(finalBefore([], 0)).toBeNull();
  });
});

describe('judging minutes', () => {
  const steady = (cp: string, from: number, to: number, n: number): MinuteCount[] =>
    Array.from({ length: (to - from) / MIN }, (_, i) => ({ checkpoint: cp, minute: from + i * MIN, count: n }));

  it('warns on a spike and on a silent minute, with the numbers, and gives the same warnings in one call or many', () => {
    const counts = [...steady('K1', 0, 60 * MIN, 40), { checkpoint: 'K1', minute: 60 * MIN, count: 200 }, ...steady('K1', 61 * MIN, 120 * MIN, 40)];
    // Minute 120 has no row at all: a zero, far below.
    counts.push(...steady('K1', 121 * MIN, 130 * MIN, 40));
    const once = judgeMinutes(new EwmaFlowDetector(), counts, 0, 130 * MIN, new Map());
    expect(once.map((w) => [w.minute / MIN, w.direction, w.count])).toEqual([[60, 'high', 200], [120, 'low', 0]]);
    expect(once[0]).toMatchObject({ checkpoint: 'K1', baseline: 40 });
    expect(once[0]!.threshold).toBeGreaterThan(40);

    const d = new EwmaFlowDetector();
    const seen = new Map<string, number>();
    const parts = [0, 13, 40, 61, 119, 121, 130].map((m) => m * MIN);
    const many = parts.slice(1).flatMap((to, i) => judgeMinutes(d, counts, parts[i]!, to, seen));
    expect(many).toEqual(once);
  });

  it('starts each checkpoint at its first counted minute, not before', () => {
    const seen = new Map<string, number>();
    const d = new EwmaFlowDetector({ warmup: 1 });
    judgeMinutes(d, [{ checkpoint: 'K2', minute: 30 * MIN, count: 5 }], 0, 31 * MIN, seen);
    expect(seen.get('K2')).toBe(30 * MIN);
    expect(d.baseline('K2')!.n).toBe(1);
  });
});
