// Everything the console reads and does, wired to one inventory and one SSH pool (kept open while it runs).
import type { Inventory } from '../provision/inventory/types.ts';
import type { ServiceModule } from '../provision/services/types.ts';
import { SshPool } from '../provision/executors/direct/ssh.ts';
import { daemonsOf } from '../provision/plan/build.ts';
import { collectStatus, type ClusterStatus, type DaemonStatus } from '../provision/status/status.ts';
import type { ConsoleActions } from './actions.ts';
import { clusterActions } from './cluster-actions.ts';
import { readDaemonLog } from './daemon-log.ts';
import { inventoryMetrics } from './metrics/inventory-source.ts';
import type { MetricsSource } from './metrics/types.ts';

export interface ConsoleSources {
  cluster: string;
  loadStatus(): Promise<ClusterStatus>;
  readLog(d: Pick<DaemonStatus, 'node' | 'service' | 'role'>): Promise<string>;
  actions: ConsoleActions;
  metrics: MetricsSource;
}

export interface LiveConsole extends ConsoleSources {
  close(): Promise<void>;
}

export function openLiveConsole(inv: Inventory, modules: ServiceModule[]): LiveConsole {
  const pool = new SshPool(inv.nodes);
  const abort = new AbortController();
  const homes = new Map(daemonsOf(inv, modules).map((d) => [`${d.node.name}/${d.service}/${d.role}`, d.home]));
  const metrics = inventoryMetrics(inv);
  return {
    cluster: inv.cluster,
    loadStatus: () => collectStatus(inv, modules, pool),
    async readLog(d) {
      const home = homes.get(`${d.node}/${d.service}/${d.role}`);
      if (!home) throw new Error(`no ${d.service} ${d.role} on ${d.node} in the inventory`);
      return readDaemonLog(pool, d.node, home, d.role);
    },
    actions: clusterActions({ inv, pool, signal: abort.signal }),
    metrics,
    async close() {
      abort.abort();
      await metrics.close();
      pool.close();
    },
  };
}
