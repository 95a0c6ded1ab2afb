// Where Kafka answers: the one owner of the broker list.
import type { Inventory } from '../../inventory/types.ts';
import { roleNodes, servicePort } from '../../inventory/members.ts';

/** Every broker as host:port (the bootstrap list clients use). */
export function kafkaBrokers(inv: Inventory): string[] {
  const port = servicePort(inv, 'kafka', 'broker');
  return roleNodes(inv, 'kafka', 'broker').map((n) => `${n.address}:${port}`);
}
