// MySQL protocol: SELECT 1 as the application user.
import mysql from 'mysql2/promise';
import type { ProbeResult } from '../../probes/types.ts';
import type { ProbeContext } from '../../probes/types.ts';

export async function probe(p: Record<string, unknown>, ctx: ProbeContext): Promise<ProbeResult> {
  const conn = await mysql.createConnection({
    host: String(p.host), port: Number(p.port), user: String(p.user), database: p.database ? String(p.database) : undefined,
    password: await ctx.secret(String(p.passwordSecret)), connectTimeout: 3000,
  });
  try {
    const [rows] = await conn.query('SELECT 1 AS one, VERSION() AS v');
    const row = (rows as Array<{ one: number; v: string }>)[0];
    return { ok: row.one === 1, detail: `SELECT 1 ok (${row.v})` };
  } finally {
    await conn.end();
  }
}
