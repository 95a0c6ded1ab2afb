import { describe, expect, it } from 'vitest';
import { EwmaFlowDetector, SeasonalFlowDetector, type FlowDetector, type FlowWarning } from './flow-warning.ts';
import { MinuteWindow } from './window.ts';
import { HAS_DATA, NO_DATA_REASON, realPassages } from './testdata.ts';

const MIN = 60_000;
const T0 = Date.UTC(2023, 11, 8, 16); // Beijing midnight

function feed(det: FlowDetector, counts: number[], cp = 'A', start = T0): (FlowWarning | null)[] {
  return counts.map((c, i) => det.observe(cp, start + i * MIN, c));
}

describe('EwmaFlowDetector', () => {
  const steady = Array.from({ length: 60 }, (_, i) => 20 + (i % 5) - 2); // 18..22

  it.each([
    { name: 'a spike far above a steady flow warns high', tail: 60, dir: 'high' },
    { name: 'a collapse far below warns low', tail: 0, dir: 'low' },
    { name: 'a normal minute is quiet', tail: 23, dir: null },
  ])('$name', ({ tail, dir }) => {
    const out = feed(new EwmaFlowDetector(), [...steady, tail]);
    expect(out.slice(0, -1).every((w) => w === null)).toBe(true);
    const w = out.at(-1)!;
    if (dir === null) return expect(w).toBeNull();
    expect(w).toMatchObject({ checkpoint: 'A', minute: T0 + 60 * MIN, count: tail, direction: dir });
    // The numbers explain themselves: baseline ≈ 20, threshold = baseline ± 4·sd on the crossed side.
    expect(w!.baseline).toBeGreaterThan(19);
    expect(w!.baseline).toBeLessThan(21);
    expect(w!.threshold).toBeCloseTo(w!.baseline + (dir === 'high' ? 4 : -4) * w!.sd, 1);
    expect(dir === 'high' ? tail > w!.threshold : tail < w!.threshold).toBe(true);
  });

  it('does not warn during warm-up', () => {
    expect(feed(new EwmaFlowDetector({ warmup: 30 }), [20, 20, 20, 200]).every((w) => w === null)).toBe(true);
  });

  it('quiet checkpoints: ~1 car a minute never warns low, and 3 cars is not "far above"', () => {
    const out = feed(new EwmaFlowDetector(), [...Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? 2 : i % 3 === 1 ? 1 : 0)), 0, 3]);
    expect(out.filter(Boolean)).toEqual([]);
  });

  it('checkpoints have separate baselines', () => {
    const d = new EwmaFlowDetector({ warmup: 5 });
    feed(d, [100, 100, 100, 100, 100, 100], 'BUSY');
    feed(d, [2, 2, 2, 2, 2, 2], 'QUIET');
    expect(d.observe('QUIET', T0 + 10 * MIN, 50)?.direction).toBe('high');
    expect(d.observe('BUSY', T0 + 10 * MIN, 50)?.direction).toBe('low');
  });

  it.each([[-1], [1.5]])('refuses a bad count %d', (c) => {
    expect(() => new EwmaFlowDetector().observe('A', T0, c)).toThrow(/A@.*count/);
  });
});

describe('SeasonalFlowDetector', () => {
  it('judges a minute against the same slot on earlier days, not against the previous minutes', () => {
    const d = new SeasonalFlowDetector({ slotMinutes: 60, warmupDays: 3 });
    // Every day: 02:00–03:00 → 2 a minute, 08:00–09:00 → 40 a minute.
    const days = 4;
    const warnings: FlowWarning[] = [];
    for (let day = 0; day < days; day++) {
      for (const [hour, c] of [[2, 2], [8, 40]] as const) {
        for (let m = 0; m < 60; m++) {
          const w = d.observe('A', T0 + day * 86_400_000 + (hour * 60 + m) * MIN, c);
          if (w) warnings.push(w);
        }
      }
    }
    expect(warnings).toEqual([]); // the daily ramp 2 → 40 is normal for this slot
    const spike = d.observe('A', T0 + days * 86_400_000 + 2 * 60 * MIN, 40);
    expect(spike).toMatchObject({ direction: 'high', count: 40, baseline: 2 });
  });
});

describe.skipIf(!HAS_DATA)(HAS_DATA ? 'flow warnings on the real data' : `flow warnings on the real data — skipped: ${NO_DATA_REASON}`, () => {
  it('windowed counts in event-time order produce a bounded, reproducible number of warnings', () => {
    const data = [...realPassages()].sort((a, b) => a.eventTime - b.eventTime);
    const run = (make: () => FlowDetector) => {
      const w = new MinuteWindow();
      const det = make();
      const out: FlowWarning[] = [];
      let minutes = 0;
      const take = (cs: ReturnType<MinuteWindow['flush']>) => {
        for (const c of cs) {
          minutes++;
          const x = det.observe(c.checkpoint, c.minute, c.count);
          if (x) out.push(x);
        }
      };
      for (const p of data) take(w.observe(p).closed);
      take(w.flush());
      return { out, minutes };
    };
    for (const [name, make] of [['ewma', () => new EwmaFlowDetector()], ['seasonal', () => new SeasonalFlowDetector()]] as const) {
      const a = run(make);
      const b = run(make);
      expect(b.out).toEqual(a.out);
      const high = a.out.filter((x) => x.direction === 'high').length;
      console.log(`${name}: checkpoint-minutes=${a.minutes} warnings=${a.out.length} (high ${high}, low ${a.out.length - high}); first: ${JSON.stringify(a.out[0])}`);
      expect(a.out.length).toBeGreaterThan(0);
      // A warning must be rare or it is noise: under 1% of checkpoint-minutes.
      expect(a.out.length).toBeLessThan(a.minutes / 100);
    }
  });
});
