import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MYSQL_DDL, lockOffsetQuery, planMysqlBatch, seekPlan, storedOffsetsQuery, type MysqlBatch } from './mysql-sink-model.ts';
import type { Passage } from './passage.ts';
import { HAS_DATA, realPassages } from './testdata.ts';

const T0 = Date.UTC(2023, 11, 8, 16, 0);
const pass = (gcxh: string, checkpoint: string, sec: number): Passage => ({
  gcxh, xzqhmc: '睢宁县', checkpoint, boundaryLevel: 'CITY', fxlx: '1', eventTime: T0 + sec * 1000,
  hpzl: '02', hpzlLabel: '小型汽车', plate: '苏C08***', brand: '未知',
});
const mk = (records: MysqlBatch['records'], partition = 0): MysqlBatch => ({ topic: 'etc_traffic_data', group: 'etc_mysql', partition, records });

describe('planMysqlBatch (pure)', () => {
  const recs = [
    { offset: 7, passage: pass('1', 'A', 5) },
    { offset: 8, passage: pass('2', 'A', 50) },
    { offset: 9, passage: pass('3', 'B', 61) },
  ];

  it('one multi-row passage insert, one flow upsert, offset upsert last', () => {
    const p = planMysqlBatch(mk(recs), null);
    expect(p).toMatchObject({ applied: 3, skipped: 0, nextOffset: 10 });
    expect(p.statements).toHaveLength(3);
    expect(p.statements[0]!.sql).toMatch(/^INSERT INTO etc_passage .* VALUES \(\?(,\?){10}\)(,\(\?(,\?){10}\)){2}$/);
    expect(p.statements[0]!.params.slice(0, 11)).toEqual(['1', '睢宁县', 'A', 'CITY', '1', '2023-12-09 00:00:05', T0 + 5000, '02', '小型汽车', '苏C08***', '未知']);
    expect(p.statements[1]!.sql).toMatch(/ON DUPLICATE KEY UPDATE cnt = cnt \+ VALUES\(cnt\)$/);
    expect(p.statements[1]!.params).toEqual(['A', '2023-12-09 00:00:00', 2, 'B', '2023-12-09 00:01:00', 1]);
    expect(p.statements[2]!.params).toEqual(['etc_traffic_data', 'etc_mysql', 0, 10]);
  });

  it.each([
    { stored: null, applied: 3, stmts: 3 },
    { stored: 8, applied: 2, stmts: 3 },
    { stored: 10, applied: 0, stmts: 0 },
    { stored: 99, applied: 0, stmts: 0 },
  ])('stored next_offset $stored → $applied new records', ({ stored, applied, stmts }) => {
    const p = planMysqlBatch(mk(recs), stored);
    expect(p.applied).toBe(applied);
    expect(p.skipped).toBe(3 - applied);
    expect(p.statements).toHaveLength(stmts);
  });

  it('chunks large batches', () => {
    const many = Array.from({ length: 1201 }, (_, i) => ({ offset: i, passage: pass(String(i), 'A', i) }));
    const p = planMysqlBatch(mk(many), null, 500);
    expect(p.statements.filter((s) => s.sql.startsWith('INSERT INTO etc_passage')).map((s) => s.params.length / 11)).toEqual([500, 500, 201]);
  });

  it('refuses descending offsets', () => {
    expect(() => planMysqlBatch(mk([recs[1]!, recs[0]!]), null)).toThrow(/offsets must ascend/);
  });

  it.each([
    { rows: [], assigned: [0, 1], want: [{ partition: 0, offset: 'earliest' }, { partition: 1, offset: 'earliest' }] },
    { rows: [{ partition: 1, next_offset: '42' }], assigned: [1, 0], want: [{ partition: 0, offset: 'earliest' }, { partition: 1, offset: 42 }] },
  ])('seekPlan resumes at stored offsets, earliest otherwise (%#)', ({ rows, assigned, want }) => {
    expect(seekPlan(rows, assigned)).toEqual(want);
  });

  it('seekPlan refuses a corrupt offsets row', () => {
    expect(() => seekPlan([{ partition: 0, next_offset: 'x' }], [0])).toThrow(/etc_offsets row/);
  });
});

// A private MariaDB on a unix socket (skip-networking), bootstrapped in a temp dir by this suite.
const HAS_MARIADB = spawnSync('mariadbd', ['--version']).status === 0 && spawnSync('which', ['mariadb-install-db']).status === 0;
describe.skipIf(!HAS_MARIADB || !HAS_DATA)(
  HAS_MARIADB && HAS_DATA ? 'MySQL sink against a real MariaDB' : 'MySQL sink against a real MariaDB — skipped: needs mariadb-server (apt-get install mariadb-server) and the ETC CSVs',
  () => {
    let dir = '';
    let proc: ChildProcess | undefined;
    let conn: mysql.Connection;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'etc-mysql-'));
      const boot = spawnSync('mariadb-install-db', ['--no-defaults', `--datadir=${dir}/data`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'], { timeout: 60_000 });
      if (boot.status !== 0) throw new Error(`mariadb-install-db failed: ${boot.stderr}`);
      const sock = join(dir, 'mysqld.sock');
      proc = spawn('mariadbd', ['--no-defaults', `--datadir=${dir}/data`, `--socket=${sock}`, '--skip-networking', '--user=root', '--innodb-buffer-pool-size=32M', '--skip-grant-tables', `--log-error=${dir}/err.log`], { stdio: 'ignore' });
      const deadline = Date.now() + 30_000;
      while (!existsSync(sock)) {
        if (Date.now() > deadline) throw new Error(`mariadbd did not open ${sock} within 30 s (see ${dir}/err.log)`);
        await new Promise((r) => setTimeout(r, 100));
      }
      conn = await mysql.createConnection({ socketPath: sock, user: 'root', charset: 'utf8mb4' });
      await conn.query('CREATE DATABASE etc CHARACTER SET utf8mb4');
      await conn.query('USE etc');
      for (const ddl of MYSQL_DDL) await conn.query(ddl);
    });
    afterAll(async () => {
      await conn?.end().catch(() => undefined);
      if (proc && proc.exitCode === null) {
        const exited = new Promise((r) => proc!.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** The adapter protocol from mysql-sink-model.ts, with an optional crash before COMMIT. */
    async function apply(b: MysqlBatch, crashBeforeCommit = false): Promise<number> {
      await conn.beginTransaction();
      try {
        const lock = lockOffsetQuery(b.topic, b.group, b.partition);
        const [rows] = await conn.query(lock.sql, lock.params);
        const stored = (rows as { next_offset: number }[])[0]?.next_offset ?? null;
        const plan = planMysqlBatch(b, stored === null ? null : Number(stored));
        for (const s of plan.statements) await conn.query(s.sql, s.params);
        if (crashBeforeCommit) throw new Error('simulated crash');
        await conn.commit();
        return plan.applied;
      } catch (e) {
        await conn.rollback();
        if (crashBeforeCommit) return 0;
        throw e;
      }
    }

    it('crashes, redeliveries and a restart from stored offsets write every passage exactly once', async () => {
      const data = realPassages().slice(0, 20_000);
      const parts: MysqlBatch['records'][] = [[], [], []];
      for (const p of data) {
        const part = Number(BigInt(p.gcxh.replace(/^F/, '')) % 3n);
        parts[part]!.push({ offset: parts[part]!.length, passage: p });
      }
      let applied = 0;
      for (const [pi, recs] of parts.entries()) {
        // First run: batches of 400; the 5th batch crashes before COMMIT and the consumer dies with it.
        for (let i = 0, n = 0; n < 5; i += 400, n++) applied += await apply(mk(recs.slice(i, i + 400), pi), n === 4);
      }
      // Restart: Kafka's own committed offsets are ignored; seek to what MySQL stored.
      const q = storedOffsetsQuery('etc_traffic_data', 'etc_mysql');
      const [stored] = await conn.query(q.sql, q.params);
      const seeks = seekPlan(stored as { partition: number; next_offset: number }[], [0, 1, 2]);
      // Batches 1–4 (offsets 0..1599) committed; batch 5 rolled back with its offset.
      expect(seeks.map((s) => s.offset)).toEqual([1600, 1600, 1600]);
      const [[{ n: before }]] = (await conn.query('SELECT COUNT(*) AS n FROM etc_passage')) as unknown as [[{ n: number }]];
      expect(Number(before)).toBe(3 * 1600);
      for (const s of seeks) {
        const recs = parts[s.partition]!;
        const from = s.offset === 'earliest' ? 0 : s.offset;
        // Redeliver 250 already-written records too (a consumer that seeked a bit early).
        for (let i = Math.max(0, from - 250); i < recs.length; i += 400) applied += await apply(mk(recs.slice(i, i + 400), s.partition));
      }
      expect(applied).toBe(data.length);
      const [[{ n }]] = (await conn.query('SELECT COUNT(*) AS n FROM etc_passage')) as unknown as [[{ n: number }]];
      expect(Number(n)).toBe(data.length);
      const [flow] = await conn.query('SELECT checkpoint, SUM(cnt) AS c FROM etc_flow_minute GROUP BY checkpoint ORDER BY checkpoint');
      const want = new Map<string, number>();
      for (const p of data) want.set(p.checkpoint, (want.get(p.checkpoint) ?? 0) + 1);
      expect(new Map((flow as { checkpoint: string; c: string }[]).map((r) => [r.checkpoint, Number(r.c)]))).toEqual(want);
      const [roundTrip] = await conn.query('SELECT event_time, event_ts FROM etc_passage WHERE gcxh = ?', [data[0]!.gcxh]);
      expect((roundTrip as { event_ts: string }[])[0]!.event_ts.toString()).toBe(String(data[0]!.eventTime));
    });
  },
);
