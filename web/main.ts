// The dashboard as a daemon on a node (services.dashboard): `node dashboard.mjs --config FILE`, the file
// (0600, written by etclab) holding where to listen and the read-only accounts, never in argv.
import { readFileSync } from 'node:fs';
import { openStores } from '../query/stores.ts';
import { healthOf } from '../query/health.ts';
import type { ReadAccess } from '../query/access.ts';
import { createDashboardServer, listen } from './server.ts';

export interface DashboardConfig {
  listen: { host: string; port: number };
  refreshSec: number;
  access: ReadAccess;
  /** Secret name → value, for the read-only accounts only. */
  secrets: Record<string, string>;
}

const at = process.argv.indexOf('--config');
if (at < 0 || !process.argv[at + 1]) {
  console.error('usage: dashboard.mjs --config FILE');
  process.exit(2);
}
const file = process.argv[at + 1]!;
const cfg = JSON.parse(readFileSync(file, 'utf8')) as DashboardConfig;
const stores = openStores(cfg.access, async (n) => {
  const v = cfg.secrets[n];
  if (v === undefined) throw new Error(`${file}: no secret ${n}`);
  return v;
});
const server = createDashboardServer({ stores, health: healthOf(cfg.access, stores), refreshSec: cfg.refreshSec });
const where = await listen(server, cfg.listen.host, cfg.listen.port);
console.log(`dashboard on http://${where.host}:${where.port}/ (read-only)`);
const stop = () => {
  server.close();
  void stores.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
