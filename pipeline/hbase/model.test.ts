import { describe, expect, it } from 'vitest';
import { buildBatchMutations, prefixStop, rowFromResult } from './model.ts';

describe('hbase model', () => {
  it('prefixStop is the first key past the prefix, carrying over 0xff', () => {
    expect(prefixStop(Buffer.from('1_')).toString()).toBe('1`');
    expect([...prefixStop(Buffer.from([0x61, 0xff, 0xff]))]).toEqual([0x62]);
    expect(prefixStop(Buffer.from([0xff])).length).toBe(0);
  });
  it('null cells become deletes; a column without a family is rejected with its index', () => {
    const [b] = buildBatchMutations([{ row: 'r', cells: { 'info:a': 'x', 'info:b': null } }]);
    expect(b.mutations.map((m) => [m.column.toString(), m.isDelete])).toEqual([['info:a', false], ['info:b', true]]);
    expect(() => buildBatchMutations([{ row: 'r', cells: { 'info:a': '1' } }, { row: 's', cells: { plate: '1' } }])).toThrow(/mutation 1: column "plate"/);
    expect(() => buildBatchMutations([{ row: 'r', cells: {} }])).toThrow(/no cells/);
  });
  it('rowFromResult keeps binary values', () => {
    const r = rowFromResult({ row: Buffer.from('k'), columns: { 'info:v': { value: Buffer.from([0, 255]) } } });
    expect([...r.cells['info:v']]).toEqual([0, 255]);
  });
});
