// Where Redis answers, and the NAME of the secret holding its password (resolved only when connecting).
import type { Inventory } from '../../inventory/types.ts';
import { firstNode, serviceSpec, servicePort, type HostPort } from '../../inventory/members.ts';

export function redisServer(inv: Inventory): HostPort & { passwordSecret?: string } {
  return { host: firstNode(inv, 'redis', 'server').address, port: servicePort(inv, 'redis', 'redis'), passwordSecret: serviceSpec(inv, 'redis').secrets.password };
}

/** The dashboard's read-only Redis user (an ACL: read commands on the pipeline's keys), when the inventory has one. */
export function redisReader(inv: Inventory): HostPort & { user: string; passwordSecret: string } | null {
  const spec = serviceSpec(inv, 'redis');
  if (!spec.secrets.readPassword) return null;
  return { ...redisServer(inv), user: String(spec.settings.readUser ?? 'etc_ro'), passwordSecret: spec.secrets.readPassword };
}
