// Where Redis answers, and the NAME of the secret holding its password (resolved only when connecting).
import type { Inventory } from '../../inventory/types.ts';
import { firstNode, serviceSpec, servicePort, type HostPort } from '../../inventory/members.ts';

export function redisServer(inv: Inventory): HostPort & { passwordSecret?: string } {
  return { host: firstNode(inv, 'redis', 'server').address, port: servicePort(inv, 'redis', 'redis'), passwordSecret: serviceSpec(inv, 'redis').secrets.password };
}
