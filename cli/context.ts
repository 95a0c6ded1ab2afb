// What every command needs, from the application layer (ops/): the CLI only parses flags and prints.
export { inventoryPath, loadClusterInventory, checkNames } from '../ops/inventory.ts';
export { UserError } from '../ops/errors.ts';

export function splitList(v?: string): string[] | undefined {
  return v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
}
