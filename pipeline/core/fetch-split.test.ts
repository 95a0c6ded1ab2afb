import { describe, expect, it } from 'vitest';
import { splitFetch } from './fetch-split.ts';

const batch = (first: number, last: number) => Array.from({ length: last - first + 1 }, (_, i) => ({ offset: String(first + i) }));
const offsets = (ms: Array<{ offset: string }>) => ms.map((m) => Number(m.offset));

describe('splitFetch', () => {
  it('a fetch of warm records only is all warm (the consumer resolves it, or it would come back forever)', () => {
    const s = splitFetch(batch(100, 104), { from: 100, next: 200 });
    expect(offsets(s.warm)).toEqual([100, 101, 102, 103, 104]);
    expect(s.fresh).toEqual([]);
    expect(s.reseekTo).toBeNull();
  });

  it('splits at next: warm below, fresh from it; records below from are not ours', () => {
    const s = splitFetch(batch(95, 104), { from: 98, next: 101 });
    expect(offsets(s.warm)).toEqual([98, 99, 100]);
    expect(offsets(s.fresh)).toEqual([101, 102, 103, 104]);
    expect(s.reseekTo).toBeNull();
  });

  it('a fetch wholly below from asks for a seek to from', () => {
    expect(splitFetch(batch(10, 19), { from: 50, next: 60 })).toEqual({ warm: [], fresh: [], reseekTo: 50 });
  });

  it('an empty fetch needs nothing', () => {
    expect(splitFetch([], { from: 5, next: 5 })).toEqual({ warm: [], fresh: [], reseekTo: null });
  });
});
