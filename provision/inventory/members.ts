// The nodes behind a service's role, for the endpoint functions each service module owns. An error names the
// inventory field to fix, so every caller reports a missing service or role the same way.
import type { Inventory, NodeSpec, ServiceSpec } from './types.ts';

/** Thrown when the inventory lacks what an endpoint needs (a service, a role, a node). */
export class MissingInInventory extends Error {}

export function serviceSpec(inv: Inventory, service: string): ServiceSpec {
  const spec = inv.services[service];
  if (!spec) throw new MissingInInventory(`${inv.file}: services.${service} is missing`);
  return spec;
}

export function roleNodes(inv: Inventory, service: string, role: string): NodeSpec[] {
  const names = serviceSpec(inv, service).roles[role] ?? [];
  if (names.length === 0) throw new MissingInInventory(`${inv.file}: services.${service}.roles.${role} names no node`);
  return names.map((n) => {
    const node = inv.nodes.find((x) => x.name === n);
    if (!node) throw new MissingInInventory(`${inv.file}: services.${service}.roles.${role}: unknown node ${n}`);
    return node;
  });
}

export const firstNode = (inv: Inventory, service: string, role: string): NodeSpec => roleNodes(inv, service, role)[0]!;

/** A port the service module defines (defaults fill it), by its name. */
export function servicePort(inv: Inventory, service: string, name: string): number {
  const p = serviceSpec(inv, service).ports[name];
  if (!Number.isInteger(p)) throw new MissingInInventory(`${inv.file}: services.${service}.ports.${name} is not set`);
  return p!;
}

export interface HostPort {
  host: string;
  port: number;
}
