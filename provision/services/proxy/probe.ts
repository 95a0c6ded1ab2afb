// The sharding proxy's health: SELECT 1 through it as the app user, then proof that routing works —
// one marker row per shard inserted through the proxy must be found directly on the MariaDB shard the
// rule predicts (and on no other), and is deleted again.
import mysql from 'mysql2/promise';
import { randomBytes } from 'node:crypto';
import type { ProbeResult } from '../../probes/types.ts';
import type { ProbeContext } from '../../probes/types.ts';
import { keyOnShard, type ShardEngine } from './sharding.ts';
import { TABLES, columnsOf, type LogicalTable } from '../../../pipeline/contract/mysql-schema.ts';

export interface MysqlProxyProbe {
  protocol: 'mysql-proxy';
  host: string;
  port: number;
  user: string;
  database: string;
  passwordSecret: string;
  engine: ShardEngine;
  shards: Array<{ node: string; host: string; port: number }>;
  /** Create the logical tables through the proxy first (idempotent DDL). */
  ensureSchema?: boolean;
  /** Skip the marker-row check (only SELECT 1). */
  selectOnly?: boolean;
}

type Conn = mysql.Connection;

const connect = (host: string, port: number, user: string, password: string, database: string): Promise<Conn> =>
  mysql.createConnection({ host, port, user, password, database, connectTimeout: 5000, charset: 'utf8mb4' });

/**
 * Creates the logical tables. A table an older etclab created without a column this one writes is rebuilt
 * when empty; holding rows, it is left alone and named, with the command that empties it.
 */
export async function ensureSchema(proxyConn: Conn): Promise<void> {
  for (const t of TABLES) {
    await proxyConn.query(t.ddl);
    const missing = await missingColumns(proxyConn, t);
    if (!missing.length) continue;
    const [rows] = await proxyConn.query(`SELECT COUNT(*) AS n FROM ${t.name}`);
    const n = Number((rows as Array<{ n: number | string }>)[0]?.n ?? 0);
    if (n > 0)
      throw new Error(`MySQL table ${t.name} was made by an older etclab (no column ${missing.join(', ')}) and holds ${n} rows: \`etclab reset\` empties the pipeline's tables, then \`etclab up\` rebuilds it`);
    await proxyConn.query(`DROP TABLE ${t.name}`);
    await proxyConn.query(t.ddl);
  }
}

async function missingColumns(conn: Conn, t: LogicalTable): Promise<string[]> {
  const has = (cols: string[]) =>
    conn.query(`SELECT ${cols.join(', ')} FROM ${t.name} LIMIT 0`).then(
      () => true,
      (e: { errno?: number }) => {
        if (e.errno === ER_BAD_FIELD_ERROR) return false;
        throw e;
      },
    );
  const all = columnsOf(t);
  if (await has(all)) return [];
  const out: string[] = [];
  for (const c of all) if (!(await has([c]))) out.push(c);
  return out;
}

const ER_BAD_FIELD_ERROR = 1054;

/** Which shards hold a row with this GCXH, read directly from each MariaDB. */
async function shardsHolding(shardConns: Conn[], gcxh: string): Promise<number[]> {
  const found: number[] = [];
  for (const [i, c] of shardConns.entries()) {
    const [rows] = await c.query('SELECT GCXH FROM etc_passage WHERE GCXH = ?', [gcxh]);
    if ((rows as unknown[]).length > 0) found.push(i);
  }
  return found;
}

export async function probe(raw: Record<string, unknown>, ctx: ProbeContext): Promise<ProbeResult> {
  const p = raw as unknown as MysqlProxyProbe;
  const password = await ctx.secret(p.passwordSecret);
  const proxyConn = await connect(p.host, p.port, p.user, password, p.database);
  const shardConns: Conn[] = [];
  const inserted: Array<{ gcxh: string; shard: number }> = [];
  try {
    const [rows] = await proxyConn.query('SELECT 1 AS one');
    if ((rows as Array<{ one: number }>)[0]?.one !== 1) return { ok: false, detail: `SELECT 1 through ${p.host}:${p.port} returned ${JSON.stringify(rows)}` };
    if (p.selectOnly) return { ok: true, detail: `SELECT 1 ok through ${p.engine} on ${p.host}:${p.port}` };
    if (p.ensureSchema) await ensureSchema(proxyConn);
    for (const s of p.shards) shardConns.push(await connect(s.host, s.port, p.user, password, p.database));

    const run = randomBytes(4).toString('hex');
    const wrong: string[] = [];
    for (let shard = 0; shard < p.shards.length; shard++) {
      const checkpoint = keyOnShard(p.engine, shard, p.shards.length, `etclab-probe-${run}`);
      const gcxh = `etclab-probe-${run}-${shard}`;
      await proxyConn.query('INSERT INTO etc_passage (GCXH, CLEAN_KKMC, GCSJ, event_ms) VALUES (?, ?, NOW(), 0)', [gcxh, checkpoint]);
      inserted.push({ gcxh, shard });
      const holding = await shardsHolding(shardConns, gcxh);
      if (holding.length !== 1 || holding[0] !== shard)
        wrong.push(`${checkpoint} expected on shard ${shard} (${p.shards[shard].node}), found on [${holding.map((h) => p.shards[h].node).join(', ')}]`);
    }
    for (const r of inserted.splice(0)) await proxyConn.query('DELETE FROM etc_passage WHERE GCXH = ?', [r.gcxh]);
    if (wrong.length) return { ok: false, detail: `routing differs from the ${p.engine} rule: ${wrong.join('; ')}` };
    return { ok: true, detail: `SELECT 1 ok; marker rows routed to all ${p.shards.length} shards as predicted (${p.engine})` };
  } finally {
    // A marker left behind (the proxy died mid-check) is removed on its shard directly.
    for (const r of inserted) await shardConns[r.shard]?.query('DELETE FROM etc_passage WHERE GCXH = ?', [r.gcxh]).catch(() => undefined);
    await Promise.allSettled([proxyConn.end(), ...shardConns.map((c) => c.end())]);
  }
}
