// The proxy module for real on loopback: three MariaDB servers on 127.0.3.11-13, ShardingSphere-Proxy
// started with exactly the command and files the module renders, rows checked on the shard the rule predicts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { proxy, shardFor } from './proxy/index.ts';
import { ensureSchema, probe } from './proxy/probe.ts';
import { loopbackSkipReason, startLoopbackProxy, type LoopbackProxy } from '../../test/loopback-proxy.ts';

const skipReason = loopbackSkipReason();
const PASSWORD = `e2e:p@ss-${process.pid}`; // ':' and '@' on purpose: the proxy's user line splits on them

const CHECKPOINTS = ['S250-K1-省际卡口', 'G3-K731-省际卡口', 'X308-K12-市际卡口', 'G30-K216-市际卡口', 'S323-K45-市际卡口', 'G2513-K3-省际卡口'];

describe.skipIf(skipReason !== '')(`proxy on loopback${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let lb: LoopbackProxy;

  beforeAll(async () => {
    lb = await startLoopbackProxy(['127.0.3.11', '127.0.3.12', '127.0.3.13'], PASSWORD);
  }, 900_000);

  afterAll(async () => {
    if (!lb) return;
    const pid = lb.proxyPid;
    const status = pid && existsSync(`/proc/${pid}/status`) ? readFileSync(`/proc/${pid}/status`, 'utf8') : '';
    console.warn(`proxy: listening ${lb.startupMs} ms after exec; ${/VmRSS:\s*(\d+ kB)/.exec(status)?.[1] ?? '?'} RSS`);
    await lb.stop();
  }, 120_000);

  it('passes its own probe: SELECT 1, schema, a marker row routed to each shard', async () => {
    const { inventory } = lb;
    const daemon = proxy.daemon({ inventory, spec: inventory.services.proxy, service: 'proxy', role: 'server', node: inventory.nodes[0], home: `${inventory.nodes[0].baseDir}/proxy`, members: { server: [inventory.nodes[0]] } });
    const r = await probe(daemon.probe!, { secret: async () => PASSWORD });
    expect(r).toEqual({ ok: true, detail: expect.stringContaining('routed to all 3 shards') });
  });

  it('stores each checkpoint\'s passages and minute counts on the shard shardFor predicts', async () => {
    const c = await lb.proxyConn();
    try {
      for (const [n, kk] of CHECKPOINTS.entries()) {
        for (let j = 0; j < 3; j++)
          await c.execute('INSERT INTO etc_passage (GCXH, XZQHMC, CLEAN_KKMC, FXLX, GCSJ, event_ms, HPZL, HPHM, BRAND) VALUES (?,?,?,?,?,?,?,?,?)', [
            `e2e-${n}-${j}`, '睢宁县', kk, 1, '2023-12-01 00:02:03', 1701388923000 + j, '02', '苏C12***', '大众',
          ]);
        await c.query('INSERT INTO etc_flow_minute (CLEAN_KKMC, minute_start, kafka_partition, vehicle_count) VALUES (?, ?, ?, ?)', [kk, '2023-12-01 00:02:00', 0, 3]);
      }
      await c.query("INSERT INTO etc_offsets (consumer_group, topic, kafka_partition, next_offset) VALUES ('e2e', 'etc_traffic_data', 0, 42)");
      // Per-checkpoint counts through the proxy: the query a dashboard runs.
      const [counts] = await c.query('SELECT CLEAN_KKMC, COUNT(*) AS n FROM etc_passage WHERE CLEAN_KKMC = ? GROUP BY CLEAN_KKMC', [CHECKPOINTS[0]]);
      expect(counts).toEqual([{ CLEAN_KKMC: CHECKPOINTS[0], n: 3 }]);
    } finally {
      await c.end();
    }
    const expectedShards = new Set(CHECKPOINTS.map((kk) => shardFor(kk, 3)));
    expect(expectedShards.size).toBeGreaterThan(1); // the sample must exercise more than one shard
    for (let i = 0; i < 3; i++) {
      const s = await lb.shardConn(i);
      try {
        const [p] = await s.query('SELECT CLEAN_KKMC, COUNT(*) AS n FROM etc_passage GROUP BY CLEAN_KKMC ORDER BY CLEAN_KKMC');
        const [f] = await s.query('SELECT CLEAN_KKMC FROM etc_flow_minute ORDER BY CLEAN_KKMC');
        const [o] = await s.query('SELECT next_offset FROM etc_offsets');
        const mine = CHECKPOINTS.filter((kk) => shardFor(kk, 3) === i).sort();
        expect((p as Array<{ CLEAN_KKMC: string; n: number }>).map((r) => [r.CLEAN_KKMC, r.n]).sort()).toEqual(mine.map((kk) => [kk, 3]));
        expect((f as Array<{ CLEAN_KKMC: string }>).map((r) => r.CLEAN_KKMC).sort()).toEqual(mine);
        expect(o).toEqual([{ next_offset: 42 }]); // broadcast: a full copy on every shard
      } finally {
        await s.end();
      }
    }
  });

  it('rebuilds a table an older etclab made when it is empty, and names it when it holds rows', async () => {
    const c = await lb.proxyConn();
    const old = 'CREATE TABLE etc_flow_progress (job VARCHAR(128) NOT NULL, closed_until BIGINT NOT NULL, PRIMARY KEY (job)) ENGINE=InnoDB';
    try {
      await c.query('DROP TABLE etc_flow_progress');
      await c.query(old);
      await ensureSchema(c);
      await c.query("INSERT INTO etc_flow_progress (job, closed_until, claim) VALUES ('j', 1, NULL)");
      await c.query('DROP TABLE etc_flow_progress');
      await c.query(old);
      await c.query("INSERT INTO etc_flow_progress (job, closed_until) VALUES ('j', 1)");
      await expect(ensureSchema(c)).rejects.toThrow(/etc_flow_progress was made by an older etclab \(no column claim\) and holds 1 rows: `etclab reset`/);
      const [rows] = await c.query('SELECT job, closed_until FROM etc_flow_progress');
      expect(rows).toEqual([{ job: 'j', closed_until: 1 }]); // nothing lost
    } finally {
      await c.query('DROP TABLE IF EXISTS etc_flow_progress').catch(() => undefined);
      await ensureSchema(c).finally(() => c.end());
    }
  });
});
