// The read side over one inventory: the stores opened with the read-only accounts, the API's routes, the
// health strip — what `etclab dashboard`, `etclab query`, the tests and the bench all use.
import type { Inventory } from '../provision/inventory/types.ts';
import { resolveSecret } from '../provision/inventory/resolve-secrets.ts';
import { AccessError, readAccess } from '../query/access.ts';
import { openStores } from '../query/stores.ts';
import { handleApi, type ApiContext, type ApiResult } from '../query/api.ts';
import { healthOf } from '../query/health.ts';
import { UserError } from './errors.ts';

export interface Queries {
  ctx: ApiContext;
  /** An API route called without HTTP: `etclab query` is the same route as the page's. */
  call(path: string, params?: Record<string, string | undefined>): Promise<ApiResult>;
  close(): Promise<void>;
}

export function openQueries(inv: Inventory, refreshSec = 30): Queries {
  let access;
  try {
    access = readAccess(inv);
  } catch (e) {
    if (e instanceof AccessError) throw new UserError(e.message);
    throw e;
  }
  const stores = openStores(access, (n) => resolveSecret(inv, n));
  const ctx: ApiContext = { stores, health: healthOf(access, stores), refreshSec };
  return {
    ctx,
    call: (path, params = {}) => handleApi(path, new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')), ctx),
    close: () => stores.close(),
  };
}
