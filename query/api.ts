// The JSON API: one handler per route, parameters checked by query/params.ts, results from query/reads.ts.
// A bad parameter is a 400 naming it; a store that does not answer is a 503 naming the store and the error's
// class (pipeline/core/error-class.ts): the driver's text names hosts and users, so it goes to `log` only.
import * as P from './params.ts';
import { ParamError } from './params.ts';
import { StoreDown, type Stores } from './stores.ts';
import { checkpointAggregate, checkpointPassages, cloneAlerts, flowWarnings, overview, platePassages, recentFlow } from './reads.ts';
import { PASSAGE_COLUMNS } from './shape.ts';
import type { Health } from './health.ts';
import { classifyError } from '../pipeline/core/error-class.ts';

export interface ApiResult {
  status: number;
  body: unknown;
  /** Columns for ?format=csv (query endpoints only), and the download's file name. */
  csv?: { columns: string[]; rows: Array<Record<string, unknown>>; file: string };
}

/** Where the raw text of a store's failure goes: the dashboard's log, the terminal of `etclab query`. */
export type ErrorLog = (line: string) => void;

export interface ApiContext {
  stores: Stores;
  health: () => Promise<Health>;
  refreshSec: number;
  /** Default: stderr. */
  log?: ErrorLog;
}

type Handler = (q: URLSearchParams, ctx: ApiContext, path: string[]) => Promise<ApiResult>;

const ok = (body: unknown, csv?: ApiResult['csv']): ApiResult => ({ status: 200, body, csv });
const ALERT_RULES = ['A', 'B'] as const;

const ROUTES: Array<[RegExp, Handler]> = [
  [/^\/api\/config$/, async (_q, ctx) => ok({ refreshSec: ctx.refreshSec })],
  [/^\/api\/health$/, async (_q, ctx) => ok(await ctx.health())],
  [/^\/api\/dashboard\/overview$/, async (_q, ctx) => ok({ ...(await overview(ctx.stores)), readAt: Date.now() })],
  [/^\/api\/dashboard\/flow$/, async (q, ctx) => ok(await recentFlow(ctx.stores, P.int('minutes', q.get('minutes') ?? undefined, 30, 1, 360)))],
  [
    /^\/api\/alerts$/,
    async (q, ctx) => {
      const f = { rule: P.oneOf('type', q.get('type') ?? undefined, ALERT_RULES), checkpoint: P.name('checkpoint', q.get('checkpoint') ?? undefined, false), plate: P.name('plate', q.get('plate') ?? undefined, false), ...timeFilter(q), limit: P.int('limit', q.get('limit') ?? undefined, 100, 1, 10_000) };
      const rows = await cloneAlerts(ctx.stores, f);
      return ok({ alerts: rows }, { columns: ['rule', 'plate', 'first_checkpoint', 'first_time', 'first_gcxh', 'checkpoint', 'time', 'gcxh', 'gap_s', 'threshold_s', 'alert_id'], rows: rows as unknown as Array<Record<string, unknown>>, file: 'clone-alerts' });
    },
  ],
  [
    /^\/api\/warnings$/,
    async (q, ctx) => {
      const f = { direction: P.oneOf('type', q.get('type') ?? undefined, ['high', 'low'] as const), checkpoint: P.name('checkpoint', q.get('checkpoint') ?? undefined, false), ...timeFilter(q), limit: P.int('limit', q.get('limit') ?? undefined, 100, 1, 10_000) };
      const rows = await flowWarnings(ctx.stores, f);
      return ok({ warnings: rows }, { columns: ['minute', 'checkpoint', 'direction', 'passages', 'baseline', 'bound', 'sd'], rows: rows as unknown as Array<Record<string, unknown>>, file: 'flow-warnings' });
    },
  ],
  [
    /^\/api\/query\/plate\/([^/]+)$/,
    async (q, ctx, [plate]) => {
      const p = P.name('plate', plate)!;
      const rows = await platePassages(ctx.stores, p, P.int('limit', q.get('limit') ?? undefined, 50, 1, 1000));
      return ok({ plate: p, passages: rows }, { columns: PASSAGE_COLUMNS, rows: rows as unknown as Array<Record<string, unknown>>, file: `plate-${p}` });
    },
  ],
  [
    /^\/api\/query\/checkpoint\/([^/]+)$/,
    async (q, ctx, [checkpoint]) => {
      const cp = P.name('checkpoint', checkpoint)!;
      const from = P.time('from', q.get('from') ?? undefined);
      const to = P.time('to', q.get('to') ?? undefined);
      P.range(from, to, 1);
      const rows = await checkpointPassages(ctx.stores, cp, from, to, P.int('limit', q.get('limit') ?? undefined, 1000, 1, 20_000));
      return ok({ checkpoint: cp, passages: rows }, { columns: PASSAGE_COLUMNS, rows: rows as unknown as Array<Record<string, unknown>>, file: `checkpoint-${cp}` });
    },
  ],
  [
    /^\/api\/query\/aggregate$/,
    async (q, ctx) => {
      const cp = P.name('checkpoint', q.get('checkpoint') ?? undefined)!;
      const from = P.time('from', q.get('from') ?? undefined);
      const to = P.time('to', q.get('to') ?? undefined);
      P.range(from, to, 31);
      const step = P.step(q.get('step') ?? undefined);
      const buckets = await checkpointAggregate(ctx.stores, cp, from, to, step);
      return ok({ checkpoint: cp, stepMinutes: step, buckets }, { columns: ['start', 'end', 'passages'], rows: buckets, file: `aggregate-${cp}` });
    },
  ],
];

function timeFilter(q: URLSearchParams): { from?: number; to?: number } {
  const from = q.get('from') ? P.time('from', q.get('from')!) : undefined;
  const to = q.get('to') ? P.time('to', q.get('to')!) : undefined;
  if (from !== undefined && to !== undefined) P.range(from, to, 3660);
  return { from, to };
}

export async function handleApi(pathname: string, q: URLSearchParams, ctx: ApiContext): Promise<ApiResult> {
  for (const [re, h] of ROUTES) {
    const m = re.exec(pathname);
    if (!m) continue;
    try {
      let parts: string[];
      try {
        parts = m.slice(1).map((s) => decodeURIComponent(s));
      } catch {
        throw new ParamError('path', 'not valid percent-encoding');
      }
      return await h(q, ctx, parts);
    } catch (e) {
      if (e instanceof ParamError) return { status: 400, body: { error: e.message, param: e.param } };
      if (e instanceof RangeError) return { status: 400, body: { error: e.message } };
      if (e instanceof StoreDown) {
        const cls = classifyError(e);
        (ctx.log ?? console.error)(`${pathname}: ${e.message}`);
        return { status: 503, body: { error: `${e.store} unavailable: ${cls}`, store: e.store, class: cls } };
      }
      throw e;
    }
  }
  return { status: 404, body: { error: `no such endpoint: ${pathname} (see the README's JSON API)` } };
}
