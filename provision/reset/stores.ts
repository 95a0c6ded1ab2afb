// HBase, MySQL (through the proxy, per shard for counts) and Redis parts of a reset.
import mysql from 'mysql2/promise';
import { Redis } from 'ioredis';
import { connect, type HBaseThrift } from '../../pipeline/hbase/client.ts';
import type { Task } from '../tasks/types.ts';

interface HBaseParams {
  thrift: { host: string; port: number };
  admin: { host: string; port: number };
  tables: string[];
}

/** Both Thrift servers: thrift1 for reads, thrift2 for the truncate; the message names the one that failed. */
function hbaseConnect(p: HBaseParams, timeoutMs: number): Promise<HBaseThrift> {
  return connect(p.thrift.host, p.thrift.port, { admin: p.admin, timeoutMs }).catch((e: Error) => {
    throw new Error(`HBase does not answer (${e.message}): is hbase up, with its thrift and thrift2 servers? (etclab status --services hbase)`);
  });
}

/** A dry run counts rows, but never for longer than this: past it the count is a lower bound. */
const COUNT_BUDGET_MS = 20_000;
const KEYS_ONLY = 'FirstKeyOnlyFilter() AND KeyOnlyFilter()';

async function countRows(hb: HBaseThrift, table: string): Promise<{ rows: number; complete: boolean }> {
  const deadline = Date.now() + COUNT_BUDGET_MS;
  let rows = 0;
  // One key per row, no values: the row count without moving the data to the controller.
  for await (const _ of hb.scanRows(table, { batch: 5000, filter: KEYS_ONLY })) {
    rows++;
    if (rows % 5000 === 0 && Date.now() > deadline) return { rows, complete: false };
  }
  return { rows, complete: true };
}

export const hbaseTruncateTask: Task = {
  async ready(params) {
    const p = params as unknown as HBaseParams;
    const hb = await hbaseConnect(p, 15_000);
    try {
      const present = (await hb.getTableNames()).filter((t) => p.tables.includes(t));
      // One row read per table: its regions are online on a RegionServer, not only listed by the master.
      for (const t of present) await hb.scan(t, { limit: 1, filter: KEYS_ONLY });
      return `HBase: thrift and thrift2 answer; ${present.length ? `tables ${present.join(', ')} online` : 'no pipeline table yet'}`;
    } finally {
      hb.close();
    }
  },
  async inspect(params) {
    const { tables } = params as unknown as HBaseParams;
    const hb = await hbaseConnect(params as unknown as HBaseParams, 30_000);
    try {
      const lines: string[] = [];
      for (const t of tables) {
        if (!(await hb.tableExists(t))) {
          lines.push(`HBase table ${t}: absent, nothing to truncate`);
          continue;
        }
        const regions = (await hb.tableRegions(t)).length;
        const { rows, complete } = await countRows(hb, t);
        const count = complete ? `${rows} row${rows === 1 ? '' : 's'}` : `over ${rows} rows (counting stopped after ${COUNT_BUDGET_MS / 1000} s)`;
        lines.push(`HBase table ${t}: truncate ${count}, keep its ${regions} regions`);
      }
      return lines;
    } finally {
      hb.close();
    }
  },
  async run(params, ctx) {
    const { tables } = params as unknown as HBaseParams;
    // One connection per table, all at once: the master disables, truncates and re-enables them in parallel.
    const results = await Promise.all(
      tables.map(async (t) => {
        const hb = await hbaseConnect(params as unknown as HBaseParams, 60_000);
        try {
          if (!(await hb.tableExists(t))) return null;
          // An empty table is left alone, so a second reset changes nothing.
          const any = await hb.scan(t, { limit: 1, filter: KEYS_ONLY });
          if (!any.length) return null;
          const before = (await hb.tableRegions(t)).length;
          await hb.truncateTable(t);
          const after = (await hb.tableRegions(t)).length;
          if (after !== before) throw new Error(`HBase table ${t} had ${before} regions before truncate and ${after} after`);
          ctx.log(`truncated HBase table ${t}, ${after} regions kept`);
          return `${t} (${after} regions kept)`;
        } finally {
          hb.close();
        }
      }),
    );
    const done = results.filter((r): r is string => r !== null);
    return done.length ? { changed: true, detail: `truncated ${done.join(', ')}` } : { changed: false, detail: 'HBase tables already empty' };
  },
};

interface MysqlParams {
  proxy: { host: string; port: number };
  shards: Array<{ node: string; host: string; port: number }>;
  user: string;
  database: string;
  passwordSecret: string;
  tables: string[];
}

/** Table names go into SQL text (TRUNCATE takes no placeholder): plain identifiers only. */
function checkParams(p: MysqlParams): void {
  const bad = p.tables.filter((t) => !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(t));
  if (bad.length) throw new Error(`not plain SQL table names: ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
}

async function proxyConnection(p: MysqlParams, password: string): Promise<mysql.Connection> {
  return mysql.createConnection({ host: p.proxy.host, port: p.proxy.port, user: p.user, password, database: p.database, connectTimeout: 5000 }).catch((e: Error) => {
    throw new Error(`the MySQL proxy ${p.proxy.host}:${p.proxy.port} does not answer (${e.message}): is proxy up? (etclab status --services proxy)`);
  });
}

/** Connects to each shard directly, naming the one that does not answer. */
async function eachShard(p: MysqlParams, password: string, fn: (c: mysql.Connection, s: MysqlParams['shards'][number]) => Promise<void>): Promise<void> {
  for (const s of p.shards) {
    const c = await mysql.createConnection({ host: s.host, port: s.port, user: p.user, password, database: p.database, connectTimeout: 5000 }).catch((e: Error) => {
      throw new Error(`MariaDB shard on ${s.node} (${s.host}:${s.port}) does not answer (${e.message}): is mariadb up? (etclab status --services mariadb)`);
    });
    try {
      await fn(c, s);
    } finally {
      await c.end();
    }
  }
}

/** Rows per table on each shard, read on the shards themselves: the proxy would only give the sum. */
async function counts(p: MysqlParams, password: string): Promise<Array<{ node: string; table: string; rows: number }>> {
  const out: Array<{ node: string; table: string; rows: number }> = [];
  await eachShard(p, password, async (c, s) => {
    const [have] = await c.query('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ?', [p.database]);
    const present = new Set((have as Array<{ t: string }>).map((r) => r.t));
    for (const t of p.tables.filter((x) => present.has(x))) {
      const [rows] = await c.query(`SELECT COUNT(*) AS n FROM \`${t}\``);
      out.push({ node: s.node, table: t, rows: Number((rows as Array<{ n: number }>)[0].n) });
    }
  });
  return out;
}

export const mysqlTruncateTask: Task = {
  async ready(params, ctx) {
    const p = params as unknown as MysqlParams;
    checkParams(p);
    const password = await ctx.secret(p.passwordSecret);
    const proxy = await proxyConnection(p, password);
    try {
      await proxy.query('SELECT 1');
    } finally {
      await proxy.end();
    }
    await eachShard(p, password, async (c) => void (await c.query('SELECT 1')));
    return `MySQL: the proxy and ${p.shards.length} shards answer`;
  },
  async inspect(params, ctx) {
    const p = params as unknown as MysqlParams;
    checkParams(p);
    const password = await ctx.secret(p.passwordSecret);
    // The truncate goes through the proxy: a dry run that cannot reach it must say so too.
    await (await proxyConnection(p, password)).end();
    const c = await counts(p, password);
    if (!c.length) return ['MySQL: no pipeline table yet'];
    return p.tables
      .filter((t) => c.some((x) => x.table === t))
      .map((t) => {
        const on = c.filter((x) => x.table === t);
        const total = on.reduce((n, x) => n + x.rows, 0);
        return `MySQL table ${t}: truncate ${total} row${total === 1 ? '' : 's'} (${on.map((x) => `shard ${x.node}: ${x.rows}`).join(', ')})`;
      });
  },
  async run(params, ctx) {
    const p = params as unknown as MysqlParams;
    checkParams(p);
    const password = await ctx.secret(p.passwordSecret);
    const before = await counts(p, password);
    const nonEmpty = [...new Set(before.filter((x) => x.rows > 0).map((x) => x.table))];
    if (!nonEmpty.length) return { changed: false, detail: 'MySQL tables already empty' };
    const conn = await proxyConnection(p, password);
    try {
      // Through the proxy, so every shard's copy of a sharded or broadcast table is truncated in one statement.
      for (const t of nonEmpty) {
        await conn.query(`TRUNCATE TABLE ${t}`);
        ctx.log(`truncated ${t}`);
      }
    } finally {
      await conn.end();
    }
    const left = (await counts(p, password)).filter((x) => x.rows > 0);
    if (left.length) throw new Error(`rows left after truncate: ${left.map((x) => `${x.table}@${x.node}=${x.rows}`).join(', ')}`);
    const total = before.reduce((n, x) => n + x.rows, 0);
    return { changed: true, detail: `truncated ${nonEmpty.join(', ')} (${total} rows over ${p.shards.length} shards)` };
  },
};

interface RedisParams {
  host: string;
  port: number;
  passwordSecret: string;
  prefix: string;
}

async function withRedis<T>(p: RedisParams, password: string, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({ host: p.host, port: p.port, password, lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000, retryStrategy: () => null });
  r.on('error', () => {});
  await r.connect().catch((e: Error) => {
    throw new Error(`Redis ${p.host}:${p.port} does not answer (${e.message}): is redis up? (etclab status --services redis)`);
  });
  try {
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

/** `etc:` and not `etc`: without the separator the prefix would also match another project's `etcd…` keys. */
function checkPrefix(prefix: string): void {
  if (!/^[^*?[\]\\]+:$/.test(prefix) || prefix.length < 3)
    throw new Error(`refusing to delete Redis keys under the prefix ${JSON.stringify(prefix)}: it must be a project name followed by ':' (e.g. "etc:")`);
}

async function* keysUnder(r: Redis, prefix: string): AsyncGenerator<string[]> {
  // Never FLUSHALL and never KEYS: SCAN with the prefix only, so other applications' keys survive.
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) yield keys;
  } while (cursor !== '0');
}

export const redisPrefixTask: Task = {
  async ready(params, ctx) {
    const p = params as unknown as RedisParams;
    checkPrefix(p.prefix);
    await withRedis(p, await ctx.secret(p.passwordSecret), (r) => r.ping());
    return `Redis: ${p.host}:${p.port} answers`;
  },
  async inspect(params, ctx) {
    const p = params as unknown as RedisParams;
    checkPrefix(p.prefix);
    return withRedis(p, await ctx.secret(p.passwordSecret), async (r) => {
      // Counted by the key's next segment (etc:dash:…, etc:flow:…) so the user sees what kind of keys go.
      const by = new Map<string, number>();
      for await (const keys of keysUnder(r, p.prefix))
        for (const k of keys) {
          const group = p.prefix + k.slice(p.prefix.length).split(':')[0] + ':*';
          by.set(group, (by.get(group) ?? 0) + 1);
        }
      const n = [...by.values()].reduce((a, b) => a + b, 0);
      const detail = [...by].sort(([a], [b]) => a.localeCompare(b)).map(([g, c]) => `${g} ${c}`).join(', ');
      return [`Redis: unlink ${n} key${n === 1 ? '' : 's'} under ${p.prefix}${n ? ` (${detail})` : ''}`];
    });
  },
  async run(params, ctx) {
    const p = params as unknown as RedisParams;
    checkPrefix(p.prefix);
    return withRedis(p, await ctx.secret(p.passwordSecret), async (r) => {
      let n = 0;
      for await (const keys of keysUnder(r, p.prefix)) n += await r.unlink(...keys);
      return n ? { changed: true, detail: `unlinked ${n} Redis keys under ${p.prefix}` } : { changed: false, detail: `no Redis key under ${p.prefix}` };
    });
  },
};
