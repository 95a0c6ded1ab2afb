/**
 * HBase row keys for ETC passages.
 *
 * Why not the user's `<reverse_ts>-<HPHM>-<CLEAN_KKMC>-<GCXH>`: HBase stores rows sorted by key and
 * splits tables into key ranges. With time first, every write of "now" lands next to the previous
 * one, so one region (one RegionServer) takes all writes while the others idle (hot-spotting); and
 * neither question the application asks ("passages of plate X", "passages at checkpoint C between
 * t1 and t2") is a key prefix, so both become full-table scans with filters.
 *
 * Design: two tables, each answering one question with one contiguous scan.
 *
 *   etc_traffic                `<salt>|<plate>|<reverse_ts>|<checkpoint>|<gcxh>`
 *     salt = fnv1a(plate) mod N, 2 decimal digits. Salting by the plate (not by the row) keeps all of a
 *     plate's rows in one bucket, so "plate X" stays a single prefix scan `<salt>|<plate>|`, newest first
 *     thanks to reverse_ts = 9999999999999 − epoch ms (13 digits, fixed width so byte order = time
 *     order). Writes of one moment come from thousands of plates and so spread over all N regions,
 *     pre-split at the salt boundaries (`splitKeys(N)`). Checkpoint and GCXH make the key unique:
 *     masked plates (苏C08***) are shared by many vehicles, and one vehicle can pass twice per second.
 *
 *   etc_traffic_by_checkpoint  `<checkpoint>|<ts>|<gcxh>`
 *     A secondary index for the checkpoint-time range query (`checkpointRange`). Time ascends so
 *     [from, to) is [start, stop) of a scan. It is not salted: writes already spread over the 19
 *     checkpoints, which are the natural split points (`checkpointSplitKeys`), and a salt would turn
 *     each range query into N scans. Its cells carry the main-table row key (and the few columns the
 *     dashboard needs), so a range query needs no random reads into etc_traffic.
 *
 * Components are joined with '|' (0x7C, above every digit, letter and '-'), and may not contain it:
 * a plate that is a byte-prefix of another plate can then never match the other's scan prefix.
 * HBase compares unsigned bytes; JS compares UTF-16 code units, which agree for the BMP characters
 * used here (CJK plates and checkpoint names), and tests check with Buffer.compare anyway.
 */

export { MAIN_TABLE, CHECKPOINT_INDEX_TABLE } from '../contract/index.ts';
export const SEP = '|';
/** Default pre-split region count: 3 RegionServers × 2 regions each. */
export const DEFAULT_SALT_BUCKETS = 6;

const TS_WIDTH = 13;
const TS_MAX = 9_999_999_999_999;

/** FNV-1a 32-bit over the UTF-8 bytes: stable across JVM/Node (the Flink job must compute the same salt). */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function checkBuckets(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new RangeError(`salt buckets must be an integer in 1..100, got ${n}`);
}

function component(name: string, v: string): string {
  if (v === '' || v.includes(SEP)) throw new Error(`row key component ${name} must be non-empty and free of '${SEP}': ${JSON.stringify(v)}`);
  return v;
}

function ts13(ms: number, name: string): string {
  if (!Number.isInteger(ms) || ms < 0 || ms > TS_MAX) throw new RangeError(`${name} must be an epoch-ms integer in 0..${TS_MAX}, got ${ms}`);
  return String(ms).padStart(TS_WIDTH, '0');
}

export function saltOf(plate: string, buckets = DEFAULT_SALT_BUCKETS): string {
  checkBuckets(buckets);
  return String(fnv1a32(plate) % buckets).padStart(2, '0');
}

export function reverseTs(ms: number): string {
  return ts13(TS_MAX - Number(ts13(ms, 'eventTime')), 'reverse ts');
}

export interface RowKeyInput {
  plate: string;
  checkpoint: string;
  eventTime: number;
  gcxh: string;
}

export function mainRowKey(p: RowKeyInput, buckets = DEFAULT_SALT_BUCKETS): string {
  return [saltOf(component('plate', p.plate), buckets), p.plate, reverseTs(p.eventTime), component('checkpoint', p.checkpoint), component('gcxh', p.gcxh)].join(SEP);
}

export function checkpointIndexRowKey(p: RowKeyInput): string {
  return [component('checkpoint', p.checkpoint), ts13(p.eventTime, 'eventTime'), component('gcxh', p.gcxh)].join(SEP);
}

/** A main-table row key back into its parts (the inverse of mainRowKey, salt dropped). */
export function parseMainRowKey(key: string): RowKeyInput {
  const [, plate, rev, checkpoint, gcxh] = key.split(SEP);
  return { plate: plate!, checkpoint: checkpoint!, eventTime: TS_MAX - Number(rev), gcxh: gcxh! };
}

/** An index-table row key back into its parts (the plate is in the row's cells, not its key). */
export function parseCheckpointIndexRowKey(key: string): Omit<RowKeyInput, 'plate'> {
  const [checkpoint, ts, gcxh] = key.split(SEP);
  return { checkpoint: checkpoint!, eventTime: Number(ts), gcxh: gcxh! };
}

/** N regions → the N−1 split points "01".."N-1" (region 0 holds salt "00"). */
export function splitKeys(n = DEFAULT_SALT_BUCKETS): string[] {
  checkBuckets(n);
  return Array.from({ length: n - 1 }, (_, i) => String(i + 1).padStart(2, '0'));
}

/** Index table split points: one region per checkpoint (the first one starts at the empty key). */
export function checkpointSplitKeys(checkpoints: Iterable<string>): string[] {
  const sorted = [...new Set(checkpoints)].map((c) => component('checkpoint', c)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return sorted.slice(1).map((c) => c + SEP);
}

/** Scan prefix for all passages of one plate, newest first. */
export function plateScanPrefix(plate: string, buckets = DEFAULT_SALT_BUCKETS): string {
  return [saltOf(component('plate', plate), buckets), plate, ''].join(SEP);
}

export interface ScanRange {
  /** Inclusive. */
  startRow: string;
  /** Exclusive. */
  stopRow: string;
}

/** Passages at one checkpoint with from ≤ eventTime < to, oldest first. */
export function checkpointRange(checkpoint: string, from: number, to: number): ScanRange {
  // HBase treats startRow == stopRow as a Get, not as an empty range: refuse empty ranges instead.
  if (!(to > from)) throw new RangeError(`checkpointRange: need from < to, got from=${from} to=${to}`);
  const cp = component('checkpoint', checkpoint);
  return { startRow: cp + SEP + ts13(from, 'from'), stopRow: cp + SEP + ts13(to, 'to') };
}

/** One plate's passages with from ≤ eventTime < to, newest first (reverse ts flips the bounds). */
export function plateTimeRange(plate: string, from: number, to: number, buckets = DEFAULT_SALT_BUCKETS): ScanRange {
  if (!(to > from)) throw new RangeError(`plateTimeRange: need from < to, got from=${from} to=${to}`);
  const prefix = plateScanPrefix(plate, buckets);
  // eventTime < to  ⇔  reverse ≥ reverse(to − 1);  eventTime ≥ from  ⇔  reverse < reverse(from) + 1.
  return { startRow: prefix + reverseTs(to - 1), stopRow: prefix + ts13(Number(reverseTs(from)) + 1, 'reverse ts') };
}

/** Which pre-split region (0..N−1) a key falls in, given sorted split keys: what HBase does on write. */
export function regionOf(key: string, splits: string[]): number {
  const k = Buffer.from(key);
  let lo = 0;
  let hi = splits.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Buffer.compare(k, Buffer.from(splits[mid]!)) >= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
