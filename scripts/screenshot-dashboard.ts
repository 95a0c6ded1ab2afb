// Makes docs/dashboard.png, the big screen as it is on the cluster now (headless Chromium at 1920×1080):
//   sudo npx tsx scripts/screenshot-dashboard.ts [-i INVENTORY] [--out docs/dashboard.png]
// Replay something first (etclab replay …) so there is data to show.
import type { AddressInfo } from 'node:net';
import { loadClusterInventory } from '../ops/inventory.ts';
import { openQueries } from '../ops/dashboard.ts';
import { createDashboardServer } from '../web/server.ts';
import { launch, openPage } from '../test/browser.ts';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const out = arg('--out') ?? 'docs/dashboard.png';
const inv = await loadClusterInventory(arg('-i'));
const q = openQueries(inv);
const server = createDashboardServer(q.ctx);
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const browser = await launch();
try {
  const { page } = await openPage(browser, `http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await page.waitForFunction(() => Number(document.body.dataset.refreshed) >= 1, { timeout: 30_000 });
  await page.screenshot({ path: out as `${string}.png` });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  server.close();
  await q.close();
}
