// The shards themselves (not the proxy): the dashboard reads them directly as a SELECT-only user, summing
// per-shard answers itself (the proxy merges some aggregates wrongly: see shardingsphere-queries.md).
import type { Inventory } from '../../inventory/types.ts';
import { roleNodes, serviceSpec, servicePort, type HostPort } from '../../inventory/members.ts';

export interface ShardReader extends HostPort {
  node: string;
  user: string;
  database: string;
  passwordSecret: string;
}

export function shardReaders(inv: Inventory): ShardReader[] | null {
  const spec = serviceSpec(inv, 'mariadb');
  if (!spec.secrets.readPassword) return null;
  const port = servicePort(inv, 'mariadb', 'mysql');
  return roleNodes(inv, 'mariadb', 'server').map((n) => ({
    node: n.name, host: n.address, port, user: String(spec.settings.readUser ?? 'etc_ro'), database: String(spec.settings.database ?? 'etc'), passwordSecret: spec.secrets.readPassword!,
  }));
}
