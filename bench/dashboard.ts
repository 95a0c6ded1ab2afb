// The course's query bounds, after the full data set is in the stores (the pipeline section loads it):
// a plate's last 50 passages (< 1 s; our aim < 100 ms p95) and a checkpoint's 5-minute aggregate (< 2 s; aim
// < 500 ms p95), through the dashboard's HTTP API as the page calls it, one at a time.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadInventory } from '../provision/inventory/load.ts';
import { serviceModules } from '../provision/services/registry.ts';
import { labInventoryPath } from '../provision/lab/lab.ts';
import { openQueries } from '../ops/dashboard.ts';
import { createDashboardServer } from '../web/server.ts';
import { readPassages } from '../test/reference/etc-reference.ts';
import { SHARED_ETC } from '../test/fixtures/run-tables.ts';
import { quantiles } from './quantiles.ts';

const ms = (xs: number[]) => {
  const q = quantiles(xs);
  return `p50 ${Math.round(q.p50)} p95 ${Math.round(q.p95)} max ${Math.round(q.max)}`;
};

export async function benchDashboard(): Promise<Record<string, number | string>> {
  if (process.getuid?.() !== 0) throw new Error('needs root for the lab (sudo npm run bench)');
  const inv = await loadInventory(labInventoryPath(), serviceModules);
  const q = openQueries(inv);
  const server = createDashboardServer(q.ctx);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const passages = readPassages(readdirSync(SHARED_ETC).filter((f) => f.endsWith('.csv')).sort().map((f) => join(SHARED_ETC, f)));
    const total = (await (await fetch(`${base}/api/dashboard/overview`)).json()) as { total: number };
    if (total.total < passages.length) throw new Error(`the stores hold ${total.total} passages, not the data set's ${passages.length}: run the pipeline section first (npm run bench pipeline)`);
    // Plates and checkpoint windows picked evenly from the data, so busy and quiet ones both count.
    const plates = [...new Set(passages.map((p) => p.plate))];
    const pick = <T,>(xs: T[], n: number) => Array.from({ length: n }, (_, i) => xs[Math.floor((i * xs.length) / n)]!);
    const time = async (url: string) => {
      const t0 = performance.now();
      const r = await fetch(base + url);
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`${url}: HTTP ${r.status}`);
      return performance.now() - t0;
    };
    const plateMs: number[] = [];
    for (const plate of pick(plates, 300)) plateMs.push(await time(`/api/query/plate/${encodeURIComponent(plate)}?limit=50`));
    const aggMs: number[] = [];
    const label = (t: number) => new Date(t + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
    for (const p of pick(passages, 300)) {
      const from = Math.floor(p.t / 300_000) * 300_000 - 3600_000;
      aggMs.push(await time(`/api/query/aggregate?checkpoint=${encodeURIComponent(p.checkpoint)}&from=${encodeURIComponent(label(from))}&to=${encodeURIComponent(label(from + 2 * 3600_000))}&step=5m`));
    }
    const ovMs: number[] = [];
    for (let i = 0; i < 50; i++) ovMs.push(await time('/api/dashboard/overview'));
    return {
      passages_in_stores: total.total,
      plate_last50_ms: `${ms(plateMs)} (${plateMs.length} plates; course bound 1,000, aim p95 < 100)`,
      checkpoint_5min_aggregate_ms: `${ms(aggMs)} (${aggMs.length} two-hour ranges at 5 min; course bound 2,000, aim p95 < 500)`,
      overview_ms: `${ms(ovMs)} (what the big screen reads every refresh)`,
    };
  } finally {
    server.close();
    await q.close();
  }
}
