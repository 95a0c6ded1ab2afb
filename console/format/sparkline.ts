// Per-checkpoint flow as one line of block characters, scaled to the series' own maximum.

const BARS = '▁▂▃▄▅▆▇█';

/**
 * One character per value (the last `width` values when given). Zero draws the lowest bar so a quiet
 * minute still shows; a missing or invalid value (null, NaN, negative) draws a space.
 */
export function sparkline(values: Array<number | null>, width?: number): string {
  const vs = width !== undefined ? values.slice(Math.max(0, values.length - width)) : values;
  const valid = vs.filter((v): v is number => v !== null && Number.isFinite(v) && v >= 0);
  const max = valid.length ? Math.max(...valid) : 0;
  return vs
    .map((v) => {
      if (v === null || !Number.isFinite(v) || v < 0) return ' ';
      if (max === 0) return BARS[0];
      return BARS[Math.min(BARS.length - 1, Math.round((v / max) * (BARS.length - 1)))];
    })
    .join('');
}
