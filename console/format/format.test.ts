import { describe, expect, it } from 'vitest';
import { sparkline } from './sparkline.ts';
import { fit, textWidth, truncate } from './text-width.ts';
import { formatRow, layoutColumns, visibleWindow, type Column } from './table-layout.ts';
import { legendLines } from './key-legend.ts';

describe('sparkline', () => {
  it('scales to the maximum: 0 is the lowest bar, the max the highest', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([10, 5, 0])).toBe('█▅▁');
  });
  it('draws all-zero as the lowest bar and missing values as spaces', () => {
    expect(sparkline([0, 0, 0])).toBe('▁▁▁');
    expect(sparkline([4, null, Number.NaN, -1, 8])).toBe('▅   █');
  });
  it('keeps the newest values when a width is given', () => {
    expect(sparkline([100, 0, 7], 2)).toBe('▁█');
    expect(sparkline([], 5)).toBe('');
  });
});

describe('text width and truncation', () => {
  it('counts CJK as two cells', () => {
    expect(textWidth('G3-K731-省际卡口')).toBe(8 + 8);
    expect(textWidth('▁▂█')).toBe(3);
  });
  it('truncates to the cell width with an ellipsis and pads to exact width', () => {
    expect(truncate('not running', 6)).toBe('not r…');
    expect(truncate('short', 6)).toBe('short');
    expect(truncate('省际卡口', 5)).toBe('省际…');
    expect(textWidth(fit('省际卡口', 5))).toBe(5);
    expect(fit('42', 5, 'right')).toBe('   42');
    expect(truncate('x', 0)).toBe('');
  });
});

describe('table layout', () => {
  const cols: Column[] = [
    { header: 'NODE', min: 4 },
    { header: 'SERVICE', min: 5, max: 10 },
    { header: 'HEALTH', min: 6, flex: true },
  ];
  it('gives the flexible column the remaining width', () => {
    const w = layoutColumns(cols, [['node1', 'zookeeper', 'ok']], 40);
    expect(w).toEqual([5, 9, 40 - 2 - 5 - 9]);
    expect(formatRow(['node1', 'zookeeper', 'x'.repeat(50)], w, cols)).toHaveLength(40);
  });
  it('caps fixed columns at max and shrinks them when the width is too small', () => {
    expect(layoutColumns(cols, [['n', 'a-very-long-service-name', '']], 80)[1]).toBe(10);
    const w = layoutColumns(cols, [['node1-long-name', 'zookeeper', '']], 20);
    expect(w.reduce((a, b) => a + b, 0) + 2).toBeLessThanOrEqual(20);
    expect(w[2]).toBe(6);
  });
  it('scrolls so the selection stays visible', () => {
    expect(visibleWindow(5, 4, 10)).toEqual({ start: 0, end: 5 });
    expect(visibleWindow(20, 0, 5)).toEqual({ start: 0, end: 5 });
    expect(visibleWindow(20, 10, 5)).toEqual({ start: 8, end: 13 });
    expect(visibleWindow(20, 19, 5)).toEqual({ start: 15, end: 20 });
  });
});

describe('key legend', () => {
  it('wraps keys to the width, k9s style', () => {
    const keys = [
      { key: 's', label: 'start' },
      { key: 'x', label: 'stop' },
      { key: 'r', label: 'restart' },
      { key: 'q', label: 'quit' },
    ];
    expect(legendLines(keys, 80)).toEqual(['<s> start  <x> stop  <r> restart  <q> quit']);
    const narrow = legendLines(keys, 22);
    expect(narrow).toEqual(['<s> start  <x> stop', '<r> restart  <q> quit']);
    expect(narrow.every((l) => l.length <= 22)).toBe(true);
  });
});
