// What every cluster command needs: the inventory (found the same way everywhere) and the modules.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadInventory } from '../provision/inventory/load.ts';
import type { Inventory } from '../provision/inventory/types.ts';
import { serviceModules } from '../provision/services/registry.ts';
import { labInventoryPath } from '../provision/lab/lab.ts';

/** --inventory, else $ETCLAB_INVENTORY, else ./etclab.yaml, else the lab's inventory (after `etclab lab up`). */
export function inventoryPath(flag?: string): string {
  const candidates = [flag, process.env.ETCLAB_INVENTORY, path.resolve('etclab.yaml'), labInventoryPath()].filter(Boolean) as string[];
  const found = flag ?? candidates.find((c) => existsSync(c));
  if (!found)
    throw new UserError(
      'no inventory: pass --inventory FILE, set ETCLAB_INVENTORY, write ./etclab.yaml (see etclab.example.yaml), or run `etclab lab up` to make a local lab',
    );
  return found;
}

export async function loadClusterInventory(flag?: string): Promise<Inventory> {
  return loadInventory(inventoryPath(flag), serviceModules);
}

/** An error whose message is the whole story: printed without a stack trace. */
export class UserError extends Error {}

export function splitList(v?: string): string[] | undefined {
  return v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
}

export function checkNames(kind: string, given: string[] | undefined, known: string[]): void {
  for (const g of given ?? []) if (!known.includes(g)) throw new UserError(`unknown ${kind} "${g}"; known: ${known.join(', ')}`);
}
