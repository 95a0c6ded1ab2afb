// The offline reference, computed from the raw CSV files and the user's rules by code of its own: it imports
// nothing from pipeline/ or provision/, so a wrong decoder, counter, pair rule or warning rule in the
// product makes the comparison fail instead of agreeing with itself.
//
// The rules, as the user wrote them (../shared/seeds/000_*.txt) and the README states them:
// - a row is kept when GCXH is present, HPHM matches the plate pattern, GCSJ is a date-time, FXLX is 1 or 2,
//   BOUNDARY_LEVEL is PROVINCE or CITY and ROAD_ID/K_INDEX name a road and a K value; the first row of a
//   GCXH wins;
// - GCSJ is Beijing time (UTC+8, no DST); GCSJ_TS is never read;
// - the checkpoint is `<ROAD_ID>-<K_INDEX>-省际卡口|市际卡口`;
// - clone pair: the same plate at two different checkpoints less than 10 minutes apart;
// - flow warning: per checkpoint, from its first minute with traffic, every minute (zero included) in order;
//   baseline = EWMA of the counts (alpha 0.1, variance updated the same way), spread = max(√variance,
//   √baseline, 1); after 30 minutes a count above baseline + 4·spread warns high, below baseline − 4·spread
//   low, each figure rounded to 2 decimals; the minute then updates the EWMA. Minutes are judged up to
//   the first not yet final: every Kafka partition's newest passage minus 5 minutes.
import { readFileSync } from 'node:fs';

const PLATE = /^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽粤青藏川宁琼][A-HJ-NP-Z][A-HJ-NP-Z0-9][A-Z0-9][A-Z0-9*]{3}$/;
const MIN = 60_000;
const CLONE_GAP_MS = 10 * MIN;

export interface RefPassage {
  gcxh: string;
  plate: string;
  checkpoint: string;
  /** Epoch ms. */
  t: number;
  /** Beijing minute label `YYYY-MM-DD HH:mm:00`. */
  minuteLabel: string;
}

/** Beijing wall clock → epoch ms, or null. */
function beijing(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(s.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const utc = Date.UTC(y, mo - 1, d, h, mi, se);
  const back = new Date(utc);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) return null;
  return utc - 8 * 3600_000;
}

export function minuteLabelOf(t: number): string {
  const m = Math.floor(t / MIN) * MIN;
  return new Date(m + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** Rows of the cleaned 16-column exports (UTF-8, BOM or not; no quoted fields in these exports: checked). */
export function readPassages(files: string[]): RefPassage[] {
  const seen = new Set<string>();
  const out: RefPassage[] = [];
  for (const f of files) {
    const lines = readFileSync(f, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/);
    const header = lines[0]!.split(',');
    const col = (name: string) => {
      const i = header.indexOf(name);
      if (i < 0) throw new Error(`${f}: no column ${name}`);
      return i;
    };
    const [iG, iRoad, iK, iLevel, iFx, iT, iPlate] = ['GCXH', 'ROAD_ID', 'K_INDEX', 'BOUNDARY_LEVEL', 'FXLX', 'GCSJ', 'HPHM'].map(col) as number[];
    for (const line of lines.slice(1)) {
      if (line.trim() === '') continue;
      if (line.includes('"')) throw new Error(`${f}: a quoted field; this reference reads plain CSV only`);
      const v = line.split(',');
      if (v.length !== header.length) continue;
      const gcxh = v[iG!]!.trim();
      const plate = v[iPlate!]!.trim();
      const t = beijing(v[iT!]!);
      const level = v[iLevel!]!.trim();
      const road = v[iRoad!]!.trim();
      const k = v[iK!]!.trim();
      const fx = v[iFx!]!.trim();
      if (!gcxh || /\s/.test(gcxh) || !PLATE.test(plate) || t === null || (fx !== '1' && fx !== '2')) continue;
      if ((level !== 'PROVINCE' && level !== 'CITY') || !/^[GSX]\d+$/.test(road) || !/^K\d+$/.test(k)) continue;
      if (seen.has(gcxh)) continue;
      seen.add(gcxh);
      out.push({ gcxh, plate, checkpoint: `${road}-${k}-${level === 'PROVINCE' ? '省际卡口' : '市际卡口'}`, t, minuteLabel: minuteLabelOf(t) });
    }
  }
  return out;
}

/** "checkpoint\0minute label" → passages. */
export function flowCounts(ps: RefPassage[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const p of ps) {
    const k = `${p.checkpoint}\u0000${p.minuteLabel}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/** Every clone pair as "earlier GCXH|later GCXH" (ties in time by GCXH), sorted. */
export function clonePairs(ps: RefPassage[]): string[] {
  const byPlate = new Map<string, RefPassage[]>();
  for (const p of ps) (byPlate.get(p.plate) ?? byPlate.set(p.plate, []).get(p.plate)!).push(p);
  const out: string[] = [];
  const first = (a: RefPassage, b: RefPassage) => a.t - b.t || (a.gcxh < b.gcxh ? -1 : 1);
  for (const list of byPlate.values()) {
    list.sort(first);
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length && list[j]!.t - list[i]!.t < CLONE_GAP_MS; j++) {
        if (list[i]!.checkpoint !== list[j]!.checkpoint) out.push(`${list[i]!.gcxh}|${list[j]!.gcxh}`);
      }
    }
  }
  return out.sort();
}

/** Kafka's default partitioner: murmur2 of the key's UTF-8 bytes (seed 0x9747b28c), made positive, mod partitions. */
export function kafkaPartition(key: string, partitions: number): number {
  const data = Buffer.from(key, 'utf8');
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ data.length) | 0;
  const len4 = data.length & ~3;
  for (let i = 0; i < len4; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = data.length & 3;
  if (rest === 3) h ^= data[len4 + 2]! << 16;
  if (rest >= 2) h ^= data[len4 + 1]! << 8;
  if (rest >= 1) {
    h ^= data[len4]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return (h & 0x7fffffff) % partitions;
}

export interface RefWarning {
  checkpoint: string;
  minuteLabel: string;
  direction: 'high' | 'low';
  count: number;
  baseline: number;
  threshold: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** The first minute not yet judged at the end: every partition's newest passage minus `finalMs`, floored to a minute. */
export function judgedUntil(ps: RefPassage[], partitions: number, finalMs = 5 * MIN): number {
  const newest = new Array<number>(partitions).fill(-Infinity);
  for (const p of ps) {
    const i = kafkaPartition(p.plate, partitions);
    newest[i] = Math.max(newest[i]!, p.t);
  }
  return Math.floor((Math.min(...newest) - finalMs) / MIN) * MIN;
}

export function flowWarnings(ps: RefPassage[], until: number): RefWarning[] {
  const byCp = new Map<string, Map<number, number>>();
  for (const p of ps) {
    const m = byCp.get(p.checkpoint) ?? byCp.set(p.checkpoint, new Map()).get(p.checkpoint)!;
    const minute = Math.floor(p.t / MIN) * MIN;
    m.set(minute, (m.get(minute) ?? 0) + 1);
  }
  const out: RefWarning[] = [];
  for (const [cp, counts] of byCp) {
    let mean = 0, variance = 0, n = 0;
    for (let minute = Math.min(...counts.keys()); minute < until; minute += MIN) {
      const c = counts.get(minute) ?? 0;
      if (n === 0) { mean = c; n = 1; continue; }
      if (n >= 30) {
        const sd = Math.max(Math.sqrt(variance), Math.sqrt(mean), 1);
        const hi = mean + 4 * sd, lo = mean - 4 * sd;
        if (c > hi) out.push({ checkpoint: cp, minuteLabel: minuteLabelOf(minute), direction: 'high', count: c, baseline: round2(mean), threshold: round2(hi) });
        else if (c < lo) out.push({ checkpoint: cp, minuteLabel: minuteLabelOf(minute), direction: 'low', count: c, baseline: round2(mean), threshold: round2(lo) });
      }
      const diff = c - mean;
      mean += 0.1 * diff;
      variance = 0.9 * (variance + 0.1 * diff * diff);
      n++;
    }
  }
  return out.sort((a, b) => (a.minuteLabel < b.minuteLabel ? -1 : a.minuteLabel > b.minuteLabel ? 1 : a.checkpoint < b.checkpoint ? -1 : 1));
}
