// The dashboard's Redis key scheme, the user's `项目名:业务名:类型:id` → `etc:<business>:<type>:<id>`.
// One place for names, types and TTLs so the writer (stream job) and the reader (console) agree.

import { REDIS_PROJECT } from '../contract/index.ts';
import { beijingMinuteId } from './beijing-time.ts';
export { REDIS_PROJECT };

const PART_RE = /^[a-z][a-z0-9_]*$/;

export function redisKey(business: string, type: string, id: string): string {
  for (const [what, v] of [['business', business], ['type', type]] as const) {
    if (!PART_RE.test(v)) throw new Error(`redis key ${what} must match ${PART_RE}: ${JSON.stringify(v)}`);
  }
  // ':' inside an id would make the key ambiguous to anyone splitting it back into its 4 parts.
  if (id === '' || id.includes(':')) throw new Error(`redis key id must be non-empty without ':': ${JSON.stringify(id)}`);
  return `${REDIS_PROJECT}:${business}:${type}:${id}`;
}

/** TTLs in seconds. Counters that are the dashboard's running totals have none. */
export interface RedisTtls {
  /** Per-minute flow hashes: the dashboard charts the last few hours. */
  flowMinuteSec: number;
}

export const DEFAULT_TTLS: RedisTtls = { flowMinuteSec: 6 * 3600 };

/** Recent-alert sets are trimmed to this many members (newest by event time kept). */
export const RECENT_ALERTS_KEEP = 200;

export const KEYS = {
  /** STRING counter: all passages. */
  total: redisKey('dash', 'count', 'total'),
  /** HASH BOUNDARY_LEVEL (PROVINCE = cross-province, CITY = cross-city) → count. */
  boundary: redisKey('dash', 'boundary', 'total'),
  /** HASH XZQHMC (county) → count. */
  county: redisKey('dash', 'county', 'total'),
  /** HASH HPZL_LABEL (vehicle type) → count. */
  vehicleType: redisKey('dash', 'vehicle_type', 'total'),
  /** ZSET checkpoint → count: ZREVRANGE 0 9 is the top-10 checkpoints. */
  checkpointRank: redisKey('dash', 'checkpoint', 'rank'),
  /** ZSET with one member 'event_time' scored by the newest event time applied (ZADD GT keeps the max). */
  clock: redisKey('dash', 'meta', 'clock'),
  /** HASH alert kind → count ("clone_A", "clone_B", "flow_high", "flow_low"). */
  alertCounts: redisKey('alert', 'count', 'total'),
  /** ZSET of recent clone alerts: member = canonical JSON (so re-adding is a no-op), score = event time. */
  cloneRecent: redisKey('alert', 'clone', 'recent'),
  /** ZSET of recent flow warnings, same shape. */
  flowRecent: redisKey('alert', 'flow', 'recent'),
  /** STRING: epoch ms up to which flow warnings are in (the warner's progress, idempotence marker). */
  flowProgress: redisKey('alert', 'flow', 'progress'),
} as const;

/** HASH checkpoint → passages in that minute; one key per minute so the TTL retires whole minutes. */
export function flowMinuteKey(minuteMs: number): string {
  return redisKey('flow', 'minute', minuteId(minuteMs));
}

/** HASH partition → next offset to apply, written in the same MULTI as the counters it covers. */
export function offsetKey(topic: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(topic)) throw new Error(`kafka topic name not valid: ${JSON.stringify(topic)}`);
  return redisKey('dash', 'offset', topic);
}

/** Beijing wall-clock minute "YYYYMMDDHHmm": what a person reading keys expects. */
export function minuteId(minuteMs: number): string {
  if (!Number.isInteger(minuteMs) || minuteMs % 60_000 !== 0) throw new RangeError(`not a minute start: ${minuteMs}`);
  return beijingMinuteId(minuteMs);
}
