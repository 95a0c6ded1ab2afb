// The pure parts of the sinks: SQL for the proxy's schema, the Redis namespace, the HBase cells.
import { describe, expect, it } from 'vitest';
import { flowMinuteKey, KEYS, offsetKey } from '../core/redis-keys.ts';
import { mainRowKey, checkpointIndexRowKey } from '../core/rowkey.ts';
import { mutations } from '../sinks/hbase.ts';
import { decodeMessage } from '../sinks/message.ts';
import { advanceOffsetSql, claimOffsetSql, flowCounts, minuteStart, partitionRowsSql, planAlerts, planCounts, planPassages, planWarnings } from '../sinks/proxy-sql.ts';
import { classify } from '../sinks/mysql.ts';
import { namespacedKey } from '../sinks/redis.ts';

function rec(offset: number, gcxh: string, checkpoint: string, gcsj: string, ts: number) {
  const v = {
    GCXH: gcxh, XZQHMC: '睢宁县', ROAD_ID: 'G3', K_INDEX: 'K731', BOUNDARY_LEVEL: 'PROVINCE', BOUNDARY_DETAIL: '江苏-山东', BOUNDARY_LABEL: '苏鲁界',
    CLEAN_KKMC: checkpoint, FXLX: 1, GCSJ: gcsj, GCSJ_TS: ts, GCSJ_MQ: '', HPZL: '02', HPZL_LABEL: '小型汽车', HPHM: '苏C08***', BRAND: '大众',
  };
  return decodeMessage(JSON.stringify(v), offset, `t@${offset}`);
}

// 2023-12-09 00:00:32 and 00:00:59 Beijing are one minute; 00:01:00 the next.
const T0 = Date.UTC(2023, 11, 8, 16, 0, 32);
const rows = [
  rec(0, 'A1', 'G3-K731-省际卡口', '2023-12-09 00:00:32', T0),
  rec(1, 'A2', 'G3-K731-省际卡口', '2023-12-09 00:00:59', T0 + 27_000),
  rec(2, 'A3', 'G3-K731-省际卡口', '2023-12-09 00:01:00', T0 + 28_000),
  rec(3, 'A4', 'S250-K1-省际卡口', '2023-12-09 00:00:40', T0 + 8_000),
];

describe('proxy SQL', () => {
  it('buckets by Beijing minute and checkpoint', () => {
    expect(minuteStart(T0)).toBe('2023-12-09 00:00:00');
    expect(flowCounts(rows)).toEqual(
      new Map([
        ['G3-K731-省际卡口\u00002023-12-09 00:00:00', 2],
        ['G3-K731-省际卡口\u00002023-12-09 00:01:00', 1],
        ['S250-K1-省际卡口\u00002023-12-09 00:00:00', 1],
      ]),
    );
  });

  it('chunks the row inserts, tagging each row with its Kafka position', () => {
    const s = planPassages(rows, 2, 3);
    expect(s.map((x) => x.sql.slice(0, 30))).toEqual(['INSERT INTO etc_passage (GCXH,', 'INSERT INTO etc_passage (GCXH,']);
    expect(s[0]!.params).toHaveLength(3 * 17);
    expect(s[0]!.params.slice(0, 17)).toEqual(['A1', '睢宁县', 'G3', 'K731', 'PROVINCE', '江苏-山东', '苏鲁界', 'G3-K731-省际卡口', 1, '2023-12-09 00:00:32', T0, '02', '小型汽车', '苏C08***', '大众', 2, 0]);
    expect(s[1]!.params.slice(-2)).toEqual([2, 3]);
  });

  it('writes a partition\'s counts as absolute values in a stable order', () => {
    const s = planCounts(1, new Map([['S250-K1-省际卡口\u00002023-12-09 00:00:00', 1], ['G3-K731-省际卡口\u00002023-12-09 00:01:00', 4]]), 500, 77);
    expect(s).toHaveLength(1);
    expect(s[0]!.sql).toMatch(/^INSERT INTO etc_flow_minute \(CLEAN_KKMC, minute_start, kafka_partition, vehicle_count, updated_ms\)/);
    // Set, never added to: a repeated statement leaves the same count; the write time tells the warner a judged minute changed.
    expect(s[0]!.sql).toMatch(/ON DUPLICATE KEY UPDATE vehicle_count = VALUES\(vehicle_count\), updated_ms = VALUES\(updated_ms\)$/);
    expect(s[0]!.params).toEqual(['G3-K731-省际卡口', '2023-12-09 00:01:00', 1, 4, 77, 'S250-K1-省际卡口', '2023-12-09 00:00:00', 1, 1, 77]);
  });

  it('recounts a partition from the minutes its records fall in, near minutes as one range', () => {
    const q = partitionRowsSql(3, [T0, T0 + 28_000, T0 + 5 * 60_000, T0 + 24 * 3600_000]);
    const m0 = Math.floor(T0 / 60_000) * 60_000;
    expect(q.sql).toBe('SELECT CLEAN_KKMC, event_ms FROM etc_passage WHERE kafka_partition = ? AND ((event_ms >= ? AND event_ms < ?) OR (event_ms >= ? AND event_ms < ?))');
    expect(q.params).toEqual([3, m0, m0 + 6 * 60_000, m0 + 24 * 3600_000, m0 + 24 * 3600_000 + 60_000]);
  });

  it('tells new rows from rows an interrupted attempt left and from producer duplicates', () => {
    const stored = new Map([
      ['A1', { partition: 0, offset: 0 }], // left by an earlier attempt at this very offset
      ['A2', { partition: 0, offset: 9 }], // the same GCXH from another offset
      ['A3', { partition: 1, offset: 2 }], // ... or from another partition
    ]);
    const r = classify([...rows, rec(4, 'A4', 'S250-K1-省际卡口', '2023-12-09 00:00:41', T0 + 9_000)], 0, stored);
    expect(r.keep.map((x) => x.offset)).toEqual([3]);
    expect(r.recovered).toBe(1);
    expect(r.duplicates).toEqual(['A2', 'A3', 'A4']);
  });

  it('stores clone alerts and flow warnings with the numbers that raised them, chunked', () => {
    const alert = { id: 'clone:A:g1:g2', rule: 'A', plate: '苏C1', first: { gcxh: 'g1', checkpoint: 'K1', eventTime: 1000 }, second: { gcxh: 'g2', checkpoint: 'K2', eventTime: 61_000 }, gapMs: 60_000, thresholdMs: 600_000 };
    const a = planAlerts([alert, { ...alert, id: 'clone:A:g1:g3' }, { ...alert, id: 'clone:A:g1:g4' }], 2);
    expect(a.map((x) => x.params.length)).toEqual([22, 11]);
    expect(a[0]!.sql).toMatch(/^INSERT INTO etc_clone_alert \(alert_id, rule_name, HPHM, CLEAN_KKMC, GCXH/);
    expect(a[0]!.params.slice(0, 11)).toEqual(['clone:A:g1:g2', 'A', '苏C1', 'K2', 'g2', 61_000, 'K1', 'g1', 1000, 60_000, 600_000]);
    const w = planWarnings([{ checkpoint: 'K1', minute: Date.UTC(2023, 11, 9, 0, 1) - 8 * 3600_000, count: 90, direction: 'high', baseline: 12.5, threshold: 40.2, sd: 6.9 }]);
    expect(w[0]!.params).toEqual(['K1', '2023-12-09 00:01:00', 'high', 90, 12.5, 40.2, 6.9]);
    // Both repeatable: a redo after an interrupted attempt must not fail on the rows that attempt left.
    expect(a[0]!.sql).toMatch(/ON DUPLICATE KEY UPDATE alert_id = alert_id$/);
    expect(w[0]!.sql).toMatch(/ON DUPLICATE KEY UPDATE direction = VALUES\(direction\), vehicle_count = VALUES\(vehicle_count\), baseline = VALUES\(baseline\), threshold = VALUES\(threshold\), sd = VALUES\(sd\)$/);
  });

  it('moves the offset in two steps: claim the position read, advance only where the claim is', () => {
    expect(claimOffsetSql('g', 't', 2, null, 7, 'tok')).toEqual({
      sql: 'INSERT INTO etc_offsets (consumer_group, topic, kafka_partition, next_offset, claim) VALUES (?,?,?,?,?)', params: ['g', 't', 2, 7, 'tok'],
    });
    expect(claimOffsetSql('g', 't', 2, 10, 10, 'tok')).toEqual({
      sql: 'UPDATE etc_offsets SET claim = ? WHERE consumer_group = ? AND topic = ? AND kafka_partition = ? AND next_offset = ?', params: ['tok', 'g', 't', 2, 10],
    });
    // With the clone detector's restart point beside it.
    expect(advanceOffsetSql('g', 't', 2, 'tok', 25, { warmOffset: 7, maxEventMs: 123 })).toEqual({
      sql: 'UPDATE etc_offsets SET next_offset = ?, warm_offset = ?, max_event_ms = ?, claim = NULL WHERE consumer_group = ? AND topic = ? AND kafka_partition = ? AND claim = ?',
      params: [25, 7, 123, 'g', 't', 2, 'tok'],
    });
  });
});

describe('redis namespace', () => {
  it('moves keys to another business id of the same scheme', () => {
    expect(namespacedKey(KEYS.total)).toBe('etc:dash:count:total');
    expect(namespacedKey(KEYS.total, 'pltest1')).toBe('etc:pltest1_dash:count:total');
    expect(namespacedKey(offsetKey('etc_traffic_data'), 'x')).toBe('etc:x_dash:offset:etc_traffic_data');
    expect(namespacedKey(flowMinuteKey(60_000 * 28_000_000), 'x').split(':')).toHaveLength(4);
  });
});

describe('hbase cells', () => {
  it('puts all 16 columns in the main row and the main row key in the index row', () => {
    const m = mutations(rows.slice(0, 1));
    expect(m.main[0]!.row).toBe(mainRowKey(rows[0]!.passage));
    expect(Object.keys(m.main[0]!.cells)).toHaveLength(16);
    expect(m.index[0]!.row).toBe(checkpointIndexRowKey(rows[0]!.passage));
    expect(m.index[0]!.cells['info:rk']).toBe(m.main[0]!.row);
  });
});
