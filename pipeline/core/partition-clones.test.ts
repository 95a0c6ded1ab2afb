import { describe, expect, it } from 'vitest';
import { fixedRule, type CloneAlert, type CloneInput } from './clone-detector.ts';
import { PartitionClones } from './partition-clones.ts';
import { boundedShuffle, rng } from './testdata.ts';
import { MINUTE_MS } from './window.ts';

/** A day of passages of 40 plates over 5 checkpoints, mildly out of order: many clones under rule A. */
function stream(seed: number): CloneInput[] {
  const r = rng(seed);
  const out: CloneInput[] = [];
  for (let i = 0; i < 3000; i++) {
    out.push({ gcxh: `G${seed}-${i}`, plate: `苏C${Math.floor(r() * 40)}`, checkpoint: `K${Math.floor(r() * 5)}`, eventTime: 1_700_000_000_000 + Math.floor(r() * 24 * 60) * MINUTE_MS });
  }
  out.sort((a, b) => a.eventTime - b.eventTime);
  return boundedShuffle(out, 3 * MINUTE_MS, seed);
}

const ids = (alerts: CloneAlert[]) => alerts.map((a) => a.id);

describe('clone detection across a restart', () => {
  for (const seed of [1, 2, 3]) {
    it(`rebuilt from the stored mark, it raises exactly the alerts an uninterrupted run raises (seed ${seed})`, () => {
      const s = stream(seed);
      const rule = fixedRule();
      const whole = new PartitionClones(rule);
      const perOffset = s.map((p, offset) => ids(whole.observe(offset, p)));
      expect(perOffset.flat().length).toBeGreaterThan(50);

      for (const cut of [1, 500, 1234, 2999]) {
        const first = new PartitionClones(rule);
        for (let o = 0; o < cut; o++) first.observe(o, s[o]!);
        const mark = first.mark(cut);
        expect(mark.warmOffset).toBeLessThanOrEqual(cut);
        // Far less than everything is re-read: only the passages that can still pair.
        if (cut > 1000) expect(cut - mark.warmOffset).toBeLessThan(cut / 2);

        const again = new PartitionClones(rule, {}, mark.maxEventMs);
        for (let o = mark.warmOffset; o < cut; o++) again.observe(o, s[o]!); // warm only: alerts dropped
        const after = s.slice(cut).map((p, i) => ids(again.observe(cut + i, p)));
        expect(after).toEqual(perOffset.slice(cut));
      }
    });
  }

  it('with nothing held, the mark is the next offset', () => {
    const c = new PartitionClones(fixedRule());
    expect(c.mark(0)).toEqual({ warmOffset: 0, maxEventMs: null });
    c.observe(0, { gcxh: 'a', plate: 'p', checkpoint: 'K1', eventTime: 0 });
    c.observe(1, { gcxh: 'b', plate: 'q', checkpoint: 'K1', eventTime: 60 * MINUTE_MS });
    expect(c.mark(2)).toEqual({ warmOffset: 1, maxEventMs: 60 * MINUTE_MS });
  });
});
