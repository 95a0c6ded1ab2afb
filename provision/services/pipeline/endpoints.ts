// The pipeline as a deployment names it: its topic and group (the contract's defaults unless the inventory
// renames them) and where each consumer and the warner serve their status.
import type { Inventory } from '../../inventory/types.ts';
import { firstNode, roleNodes, serviceSpec, servicePort, type HostPort } from '../../inventory/members.ts';
import { DEFAULT_GROUP, DEFAULT_TOPIC } from '../../../pipeline/contract/index.ts';

export const pipelineTopic = (inv: Inventory): string => String(inv.services.pipeline?.settings.topic ?? DEFAULT_TOPIC);
export const pipelineGroup = (inv: Inventory): string => String(inv.services.pipeline?.settings.group ?? DEFAULT_GROUP);

export function consumerStatusEndpoints(inv: Inventory): Array<HostPort & { node: string }> {
  const port = servicePort(inv, 'pipeline', 'status');
  serviceSpec(inv, 'pipeline');
  return roleNodes(inv, 'pipeline', 'consumer').map((n) => ({ node: n.name, host: n.address, port }));
}

export function warnerStatusEndpoint(inv: Inventory): HostPort & { node: string } {
  const n = firstNode(inv, 'pipeline', 'warner');
  return { node: n.name, host: n.address, port: servicePort(inv, 'pipeline', 'warnerStatus') };
}
