import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloneDetector, fixedRule } from './clone-detector.ts';
import {
  assembleSnapshot,
  clockReadCommand,
  parseAppliedOffset,
  planDashboardBatch,
  planWarningCommands,
  snapshotReadCommands,
  type BatchRecord,
  type PartitionBatch,
} from './dashboard.ts';
import type { Passage } from './passage.ts';
import { KEYS, flowMinuteKey, minuteId, offsetKey, redisKey } from './redis-keys.ts';
import { HAS_DATA, realPassages } from './testdata.ts';

const T0 = Date.UTC(2023, 11, 8, 16, 0); // 2023-12-09 00:00 Beijing
const pass = (gcxh: string, checkpoint: string, sec: number, over: Partial<Passage> = {}): Passage => ({
  gcxh, xzqhmc: '睢宁县', checkpoint, boundaryLevel: 'CITY', fxlx: '1', eventTime: T0 + sec * 1000,
  hpzl: '02', hpzlLabel: '小型汽车', plate: '苏C08***', brand: '未知', ...over,
});
const batch = (records: BatchRecord[], partition = 0): PartitionBatch => ({ topic: 'etc_traffic_data', partition, records });

describe('redis keys', () => {
  it.each([
    [['dash', 'count', 'total'], 'etc:dash:count:total'],
    [['flow', 'minute', '202312090001'], 'etc:flow:minute:202312090001'],
  ] as const)('redisKey(%j) = %s', ([b, t, id], key) => expect(redisKey(b, t, id)).toBe(key));

  it.each([
    [['Dash', 'count', 'x'], /business/],
    [['dash', 'co:unt', 'x'], /type/],
    [['dash', 'count', 'a:b'], /id/],
  ] as const)('redisKey(%j) is refused', ([b, t, id], re) => expect(() => redisKey(b, t, id)).toThrow(re));

  it('minute ids are Beijing wall-clock minutes', () => {
    expect(minuteId(T0 + 60_000)).toBe('202312090001');
    expect(flowMinuteKey(T0)).toBe('etc:flow:minute:202312090000');
    expect(() => minuteId(T0 + 1)).toThrow(/minute start/);
    expect(offsetKey('etc_traffic_data')).toBe('etc:dash:offset:etc_traffic_data');
  });
});

describe('planDashboardBatch (pure)', () => {
  const recs: BatchRecord[] = [
    { offset: 10, passage: pass('1', 'A', 5, { boundaryLevel: 'PROVINCE', xzqhmc: '丰县' }) },
    { offset: 11, passage: pass('2', 'A', 30) },
    { offset: 13, passage: pass('3', 'B', 70, { hpzlLabel: '大型汽车' }) },
  ];

  it('aggregates a batch into counters and records the next offset last', () => {
    const p = planDashboardBatch(batch(recs), null);
    expect(p).toMatchObject({ applied: 3, skipped: 0, nextOffset: 14 });
    expect(p.commands[0]).toEqual(['INCRBY', KEYS.total, '3']);
    expect(p.commands).toContainEqual(['HINCRBY', KEYS.boundary, 'CITY', '2']);
    expect(p.commands).toContainEqual(['HINCRBY', KEYS.boundary, 'PROVINCE', '1']);
    expect(p.commands).toContainEqual(['HINCRBY', flowMinuteKey(T0), 'A', '2']);
    expect(p.commands).toContainEqual(['HINCRBY', flowMinuteKey(T0 + 60_000), 'B', '1']);
    expect(p.commands).toContainEqual(['EXPIRE', flowMinuteKey(T0), String(6 * 3600)]);
    expect(p.commands).toContainEqual(['ZINCRBY', KEYS.checkpointRank, '2', 'A']);
    expect(p.commands.at(-1)).toEqual(['HSET', offsetKey('etc_traffic_data'), '0', '14']);
  });

  it.each([
    { applied: null, n: 3, skipped: 0 },
    { applied: 11, n: 2, skipped: 1 },
    { applied: 12, n: 1, skipped: 2 },
    { applied: 14, n: 0, skipped: 3 },
  ])('already applied up to $applied: $n new, $skipped skipped', ({ applied, n, skipped }) => {
    const p = planDashboardBatch(batch(recs), applied);
    expect(p.applied).toBe(n);
    expect(p.skipped).toBe(skipped);
    if (n === 0) expect(p.commands).toEqual([]);
    else expect(p.commands[0]).toEqual(['INCRBY', KEYS.total, String(n)]);
  });

  it.each([
    [[{ offset: 5, passage: pass('1', 'A', 1) }, { offset: 5, passage: pass('2', 'A', 1) }], /not ascending/],
    [[{ offset: -1, passage: pass('1', 'A', 1) }], /bad offset/],
  ])('refuses a malformed batch', (records, re) => expect(() => planDashboardBatch(batch(records), null)).toThrow(re));

  it.each([[null, null], ['42', 42]] as const)('parseAppliedOffset(%j)', (v, n) => expect(parseAppliedOffset(v)).toBe(n));
  it('parseAppliedOffset refuses garbage', () => expect(() => parseAppliedOffset('4x')).toThrow(/non-offset/));

  it('flow warnings: the recent set and counts by direction rebuilt from every warning, then the progress marker', () => {
    const w = (minute: number, direction: 'high' | 'low') => ({ checkpoint: 'K1', minute, count: 1, direction, baseline: 1, threshold: 1, sd: 1 });
    const cmds = planWarningCommands([w(120_000, 'low'), w(60_000, 'high'), w(180_000, 'high')], 240_000, 2);
    expect(cmds.map((c) => c[0])).toEqual(['DEL', 'ZADD', 'ZREMRANGEBYRANK', 'HSET', 'SET']);
    expect(cmds[1]!.filter((_, i) => i >= 2 && i % 2 === 0)).toEqual(['120000', '180000']);
    expect(cmds[3]).toEqual(['HSET', KEYS.alertCounts, 'flow_high', '2', 'flow_low', '1']);
    expect(cmds.at(-1)).toEqual(['SET', KEYS.flowProgress, '240000']);
    // No warnings left (a checkpoint judged again): the set goes and the counts are zero.
    expect(planWarningCommands([], 5)).toEqual([['DEL', KEYS.flowRecent], ['HSET', KEYS.alertCounts, 'flow_high', '0', 'flow_low', '0'], ['SET', KEYS.flowProgress, '5']]);
  });
});

// A private redis-server on a unix socket (no TCP port at all), started and stopped by this suite.
const HAS_REDIS = spawnSync('redis-server', ['--version']).status === 0;
describe.skipIf(!HAS_REDIS || !HAS_DATA)(
  HAS_REDIS && HAS_DATA ? 'dashboard against a real redis-server' : 'dashboard against a real redis-server — skipped: needs redis-server on PATH (apt-get install redis-server) and the ETC CSVs',
  () => {
    let dir = '';
    let proc: ChildProcess | undefined;
    let redis: Redis;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'etc-dash-'));
      const sock = join(dir, 'redis.sock');
      proc = spawn('redis-server', ['--port', '0', '--unixsocket', sock, '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
      const deadline = Date.now() + 10_000;
      while (!existsSync(sock)) {
        if (Date.now() > deadline) throw new Error(`redis-server did not create ${sock} within 10 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
      redis = new Redis({ path: sock, maxRetriesPerRequest: 1, retryStrategy: () => null });
      await redis.ping();
    });
    afterAll(async () => {
      await redis?.quit().catch(() => undefined);
      proc?.kill('SIGTERM');
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    // ioredis looks commands up as lowercase methods.
    const lower = (cmds: string[][]) => cmds.map(([c, ...a]) => [c!.toLowerCase(), ...a]);

    /** The adapter protocol from dashboard.ts: WATCH, read applied offset, plan, MULTI/EXEC. */
    async function apply(b: PartitionBatch): Promise<number> {
      for (let attempt = 0; attempt < 5; attempt++) {
        await redis.watch(offsetKey(b.topic));
        const applied = parseAppliedOffset(await redis.hget(offsetKey(b.topic), String(b.partition)));
        const plan = planDashboardBatch(b, applied);
        if (plan.commands.length === 0) {
          await redis.unwatch();
          return 0;
        }
        const res = await redis.multi(lower(plan.commands)).exec();
        if (res !== null) {
          for (const [err] of res) if (err) throw err;
          return plan.applied;
        }
      }
      throw new Error('WATCH kept failing');
    }

    it('replayed and overlapping batches leave exactly the counts of one pass over the data', async () => {
      const data = realPassages().slice(0, 60_000);
      // Two partitions keyed by plate (what the producer should do), each processed by its own detector.
      const parts: BatchRecord[][] = [[], []];
      const det = [new CloneDetector(fixedRule()), new CloneDetector(fixedRule())];
      const sorted = [...data].sort((a, b) => a.eventTime - b.eventTime);
      for (const p of sorted) {
        const part = p.plate.charCodeAt(p.plate.length - 4) % 2;
        parts[part]!.push({ offset: parts[part]!.length, passage: p, alerts: det[part]!.observe(p) });
      }
      const expectedAlerts = parts.flat().reduce((a, r) => a + (r.alerts?.length ?? 0), 0);
      // Deliver in batches of 700 with a crash-style redelivery: every third batch is sent again,
      // and the next batch starts 300 records early (at-least-once after an uncommitted poll).
      let appliedTotal = 0;
      for (const [pi, recs] of parts.entries()) {
        let i = 0, n = 0;
        while (i < recs.length) {
          const b = batch(recs.slice(i, i + 700), pi);
          appliedTotal += await apply(b);
          if (n++ % 3 === 0) appliedTotal += await apply(b);
          i += 700;
          if (n % 4 === 0 && i < recs.length) i -= 300;
        }
      }
      expect(appliedTotal).toBe(data.length);

      const clockReply = (await redis.call(...(clockReadCommand() as [string, ...string[]]))) as string | null;
      const cmds = snapshotReadCommands(Number(clockReply), 60);
      const replies = (await redis.pipeline(lower(cmds)).exec())!.map(([e, r]) => {
        if (e) throw e;
        return r as string | string[] | null;
      });
      const snap = assembleSnapshot(clockReply, replies, 60);

      const count = (f: (p: Passage) => string) => {
        const m: Record<string, number> = {};
        for (const p of data) m[f(p)] = (m[f(p)] ?? 0) + 1;
        return m;
      };
      expect(snap.total).toBe(data.length);
      expect(snap.clock).toBe(Math.max(...sorted.slice(-10).map((p) => p.eventTime)));
      expect(snap.boundary).toEqual(count((p) => p.boundaryLevel));
      expect(snap.county).toEqual(count((p) => p.xzqhmc));
      expect(snap.vehicleType).toEqual(count((p) => p.hpzlLabel));
      const byCp = Object.entries(count((p) => p.checkpoint)).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1));
      expect(snap.topCheckpoints).toEqual(byCp.slice(0, 10).map(([checkpoint, c]) => ({ checkpoint, count: c })));
      const lastMinute = snap.flow.at(-1)!;
      const wantLast = count((p) => (Math.floor(p.eventTime / 60_000) * 60_000 === lastMinute.minute ? p.checkpoint : '-'));
      delete wantLast['-'];
      expect(lastMinute.counts).toEqual(wantLast);
      expect(snap.alertCounts).toEqual(expectedAlerts ? { clone_A: expectedAlerts } : {});
      expect(await redis.zcard(KEYS.cloneRecent)).toBe(Math.min(200, expectedAlerts));
      expect(await redis.ttl(flowMinuteKey(lastMinute.minute))).toBeGreaterThan(3600);
      console.log(`redis: applied=${appliedTotal} total=${snap.total} clone alerts=${expectedAlerts} recent=${snap.recentClones.length}`);
    });
  },
);
