// Finding and loading the inventory the same way in every front-end.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadInventory } from '../provision/inventory/load.ts';
import type { Inventory } from '../provision/inventory/types.ts';
import { serviceModules } from '../provision/services/registry.ts';
import { labInventoryPath } from '../provision/lab/lab.ts';
import { UserError } from './errors.ts';

/** The given file, else $ETCLAB_INVENTORY, else ./etclab.yaml, else the lab's inventory (after `etclab lab up`). */
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

export function checkNames(kind: string, given: string[] | undefined, known: string[]): void {
  for (const g of given ?? []) if (!known.includes(g)) throw new UserError(`unknown ${kind} "${g}"; known: ${known.join(', ')}`);
}

/** ETCLAB_SECRET_<NAME> wins: the Pulumi stack passes `pulumi config --secret` overrides that way, never in argv. */
export const secretEnvName = (name: string) => `ETCLAB_SECRET_${name.toUpperCase()}`;
