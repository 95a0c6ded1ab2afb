// A deterministic stream of decoded passages for sink tests that must agree across processes: four
// checkpoints (on different shards), ~8 a minute, a producer duplicate every 97th, a clone alert every 40th.
import type { CloneAlert } from '../pipeline/core/clone-detector.ts';
import { formatBeijingTime } from '../pipeline/core/passage.ts';
import { decodeMessage, type DecodedRecord } from '../pipeline/sinks/message.ts';

export const SYNTHETIC_CHECKPOINTS = ['S250-K1-省际卡口', 'G3-K731-省际卡口', 'X308-K12-市际卡口', 'G30-K216-市际卡口'];
const T0 = Date.UTC(2023, 11, 8, 16, 0, 3); // 2023-12-09 00:00:03 Beijing

export function syntheticRecords(n: number, prefix = 'syn'): DecodedRecord[] {
  const out: DecodedRecord[] = [];
  for (let i = 0; i < n; i++) {
    const t = T0 + i * 7_000;
    // The same GCXH sent twice (a producer retry): stored and counted once.
    const gcxh = i % 97 === 96 ? `${prefix}-${i - 50}` : `${prefix}-${i}`;
    const row = {
      GCXH: gcxh, XZQHMC: '睢宁县', ROAD_ID: 'G3', K_INDEX: 'K731', BOUNDARY_LEVEL: 'PROVINCE', BOUNDARY_DETAIL: '江苏-山东', BOUNDARY_LABEL: '苏鲁界',
      CLEAN_KKMC: SYNTHETIC_CHECKPOINTS[i % SYNTHETIC_CHECKPOINTS.length], FXLX: 1, GCSJ: formatBeijingTime(t), GCSJ_TS: t, GCSJ_MQ: '',
      HPZL: '02', HPZL_LABEL: '小型汽车', HPHM: `苏C${String(i % 50).padStart(2, '0')}***`, BRAND: '大众',
    };
    const r = decodeMessage(JSON.stringify(row), i, `synthetic@${i}`);
    if (i % 40 === 39) r.alerts = [alertOf(out[i - 1]!, r)];
    out.push(r);
  }
  return out;
}

function alertOf(a: DecodedRecord, b: DecodedRecord): CloneAlert {
  const side = (r: DecodedRecord) => ({ gcxh: r.passage.gcxh, checkpoint: r.passage.checkpoint, eventTime: r.passage.eventTime });
  return { id: `clone:A:${a.passage.gcxh}:${b.passage.gcxh}`, rule: 'A', plate: b.passage.plate, first: side(a), second: side(b), gapMs: 7_000, thresholdMs: 600_000 };
}

/** The first record of each GCXH: what the tables must hold. */
export function firstSeen(records: DecodedRecord[]): DecodedRecord[] {
  const seen = new Set<string>();
  return records.filter((r) => !seen.has(r.passage.gcxh) && seen.add(r.passage.gcxh));
}
