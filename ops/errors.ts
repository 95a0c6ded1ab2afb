// Errors every front-end shows as they are: the message is the whole story, no stack trace.
import { InventoryError } from '../provision/inventory/types.ts';
import { MissingInInventory } from '../provision/inventory/members.ts';

/** A refusal or a bad request from the user (wrong name, missing confirmation, prerequisite down). */
export class UserError extends Error {}

/** True for errors caused by what the user gave (flags, inventory), not by the cluster. */
export const isUsageError = (e: unknown): boolean => e instanceof UserError || e instanceof InventoryError || e instanceof MissingInInventory;
