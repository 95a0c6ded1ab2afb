// Full-stack figures on the lab: resident memory per daemon (the lab profile's small heaps at work).
import { readFileSync } from 'node:fs';
import { loadInventory } from '../provision/inventory/load.ts';
import { serviceModules } from '../provision/services/registry.ts';
import { SshPool } from '../provision/executors/direct/ssh.ts';
import { collectStatus } from '../provision/status/status.ts';
import { labInventoryPath } from '../provision/lab/lab.ts';

const rssMiB = (pid: number) => {
  const kb = /VmRSS:\s*(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kb ? Number(kb) / 1024 : NaN;
};

export async function benchStackMemory(): Promise<Record<string, number>> {
  if (process.getuid?.() !== 0) throw new Error('needs root for the lab (sudo npm run bench)');
  const inv = await loadInventory(labInventoryPath(), serviceModules);
  const pool = new SshPool(inv.nodes);
  try {
    const st = await collectStatus(inv, serviceModules, pool);
    const out: Record<string, number> = {};
    let total = 0;
    // The lab's nodes share this kernel, so their pids are readable here.
    for (const d of st.daemons.filter((x) => x.pid && x.state === 'running')) {
      const mib = rssMiB(d.pid!);
      out[`rss_mib.${d.service}.${d.role}.${d.node}`] = Math.round(mib);
      total += mib;
    }
    out.rss_mib_total = Math.round(total);
    out.daemons_running = st.daemons.filter((x) => x.state === 'running').length;
    return out;
  } finally {
    pool.close();
  }
}
