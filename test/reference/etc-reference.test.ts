import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Partitioners } from 'kafkajs';
import { buildRunTable, MULTI_DAY } from '../fixtures/run-tables.ts';
import { clonePairs, flowCounts, kafkaPartition, readPassages } from './etc-reference.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'etc-ref-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the independent reference and the run tables', () => {
  it('partitions like Kafka\'s default partitioner (kafkajs) for plate keys', () => {
    const theirs = Partitioners.DefaultPartitioner();
    const meta = [0, 1, 2].map((p) => ({ partitionId: p, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
    for (const plate of ['苏C08***', '苏CE9***', '鲁Q12***', 'A', 'AB', 'ABC', 'ABCD', 'ABCDE', '']) {
      expect(kafkaPartition(plate, 3), plate).toBe(theirs({ topic: 't', partitionMetadata: meta, message: { key: plate, value: '' } }));
    }
  });

  it('a multi-day table holds every row of its days, its runs span all of them, and the reference is the same as from the day files', () => {
    const t = buildRunTable(MULTI_DAY, path.join(dir, 'multi.csv'));
    expect(t.runs).toBeGreaterThan(50);
    const fromDays = readPassages(MULTI_DAY);
    const fromTable = readPassages([t.file]);
    expect(fromTable.length).toBe(fromDays.length);
    expect(fromTable.length).toBeGreaterThan(40_000);
    // Out of order by days: some row comes more than three days after a later one.
    let newest = 0, lateness = 0;
    for (const p of fromTable) { newest = Math.max(newest, p.t); lateness = Math.max(lateness, newest - p.t); }
    expect(lateness).toBeGreaterThan(3 * 86_400_000);
    expect(flowCounts(fromTable)).toEqual(flowCounts(fromDays));
    expect(clonePairs(fromTable)).toEqual(clonePairs(fromDays));
    expect(clonePairs(fromDays).length).toBeGreaterThan(1000);
  });
});
