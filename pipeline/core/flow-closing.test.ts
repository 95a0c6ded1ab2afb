import { describe, expect, it } from 'vitest';
import { finalBefore } from './flow-closing.ts';
import { FlowJudge, type PartitionMinuteCount } from './flow-judge.ts';
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
  const steady = (cp: string, from: number, to: number, n: number): PartitionMinuteCount[] =>
    Array.from({ length: (to - from) / MIN }, (_, i) => ({ checkpoint: cp, minute: from + i * MIN, partition: i % 3, count: n }));

  it('warns on a spike and on a silent minute, with the numbers, and gives the same warnings in one call or many', () => {
    const counts = [...steady('K1', 0, 60 * MIN, 40), { checkpoint: 'K1', minute: 60 * MIN, partition: 0, count: 200 }, ...steady('K1', 61 * MIN, 120 * MIN, 40)];
    // Minute 120 has no row at all: a zero, far below.
    counts.push(...steady('K1', 121 * MIN, 130 * MIN, 40));
    const j1 = new FlowJudge(() => new EwmaFlowDetector());
    j1.update(counts);
    j1.advance(130 * MIN);
    const once = j1.warnings();
    expect(once.map((w) => [w.minute / MIN, w.direction, w.count])).toEqual([[60, 'high', 200], [120, 'low', 0]]);
    expect(once[0]).toMatchObject({ checkpoint: 'K1', baseline: 40 });
    expect(once[0]!.threshold).toBeGreaterThan(40);

    const j2 = new FlowJudge(() => new EwmaFlowDetector());
    j2.update(counts);
    for (const to of [13, 40, 61, 119, 121, 130]) j2.advance(to * MIN);
    expect(j2.warnings()).toEqual(once);
    expect(j2.rejudged).toBe(0);
  });

  it('starts each checkpoint at its first counted minute, not before', () => {
    let seen: EwmaFlowDetector | undefined;
    const j = new FlowJudge(() => (seen = new EwmaFlowDetector({ warmup: 1 })));
    j.update([{ checkpoint: 'K2', minute: 30 * MIN, partition: 1, count: 5 }]);
    j.advance(31 * MIN);
    expect(seen!.baseline('K2')!.n).toBe(1);
  });
});
