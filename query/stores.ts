// Connections to the stores, opened on first use and kept; each failure names its store and keeps the driver's
// error as its cause, so the API can answer 503 with the store and the error's class (never its text).
import mysql, { type Pool } from 'mysql2/promise';
import { Redis } from 'ioredis';
import { connect, type HBaseThrift } from '../pipeline/hbase/client.ts';
import type { ReadAccess } from './access.ts';
import { messageOf } from '../pipeline/core/error-class.ts';

export type StoreName = 'mysql' | 'redis' | 'hbase';

export class StoreDown extends Error {
  constructor(readonly store: StoreName, detail: string, cause?: unknown) {
    super(`${store} does not answer: ${detail}`, { cause });
  }
}

export interface Stores {
  /** The same SELECT on every shard; rows of all shards, in shard order (summing is the caller's). */
  shards<T>(sql: string, params: unknown[]): Promise<T[]>;
  redis(): Promise<Redis>;
  hbase(): Promise<HBaseThrift>;
  /** Forgets a connection that failed, so the next read opens a new one. */
  drop(store: StoreName): void;
  /** What the store's connection last reported by event: a refused AUTH reaches ioredis' callers only as "Stream isn't writeable". */
  trouble(store: StoreName): unknown;
  close(): Promise<void>;
}

const TIMEOUT_MS = 5_000;
const TROUBLE_MS = 10_000;

export function openStores(access: ReadAccess, secret: (name: string) => Promise<string>): Stores {
  let pools: Promise<Pool[]> | null = null;
  let redis: Promise<Redis> | null = null;
  let hbase: Promise<HBaseThrift> | null = null;
  // ioredis reports a refused AUTH only as an event (then 'ready', then close): kept a while to explain the
  // failures that follow it, which say only "Stream isn't writeable".
  let redisTrouble: { e: unknown; at: number } | null = null;
  const fail = (store: StoreName) => (e: unknown): never => {
    throw storeDown(self, store, e);
  };
  const self: Stores = {
    async shards<T>(sql: string, params: unknown[]): Promise<T[]> {
      pools ??= Promise.all(
        access.shards.map(async (s) =>
          mysql.createPool({ host: s.host, port: s.port, user: s.user, password: await secret(s.passwordSecret), database: s.database, connectionLimit: 4, connectTimeout: TIMEOUT_MS, dateStrings: true, charset: 'utf8mb4' }),
        ),
      );
      const ps = await pools;
      const per = await Promise.all(
        ps.map((p, i) => p.query({ sql, values: params, timeout: 10_000 }).then(([rows]) => rows as T[], (e: Error) => fail('mysql')(new Error(`shard ${access.shards[i]!.node}: ${e.message}`, { cause: e })))),
      );
      return per.flat();
    },
    async redis() {
      redis ??= (async () => {
        const r = new Redis({
          host: access.redis.host, port: access.redis.port, username: access.redis.user, password: await secret(access.redis.passwordSecret),
          lazyConnect: true, connectTimeout: TIMEOUT_MS, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 1000,
          // The ready check runs INFO, which the read-only user may not.
          enableReadyCheck: false,
        });
        r.on('error', (e) => void (redisTrouble = { e, at: Date.now() }));
        await r.connect();
        return r;
      })().catch((e) => {
        redis = null;
        return fail('redis')(e);
      });
      const r = await redis;
      if (r.status !== 'ready') throw storeDown(self, 'redis', new Error(`not connected (${r.status})`));
      return r;
    },
    async hbase() {
      hbase ??= connect(access.hbase.host, access.hbase.port, { timeoutMs: TIMEOUT_MS }).catch((e) => {
        hbase = null;
        return fail('hbase')(e);
      });
      return hbase;
    },
    trouble(store) {
      return store === 'redis' && redisTrouble && Date.now() - redisTrouble.at < TROUBLE_MS ? redisTrouble.e : null;
    },
    drop(store) {
      if (store === 'hbase') void hbase?.then((h) => h.close(), () => {}), (hbase = null);
      if (store === 'redis') void redis?.then((r) => r.disconnect(), () => {}), (redis = null);
    },
    async close() {
      await Promise.allSettled([pools?.then((ps) => Promise.all(ps.map((p) => p.end()))), redis?.then((r) => r.disconnect()), hbase?.then((h) => h.close())]);
    },
  };
  return self;
}

/** The error as StoreDown of `store`, with what the connection reported by event as a second cause. */
function storeDown(stores: Stores, store: StoreName, e: unknown): StoreDown {
  if (e instanceof StoreDown) return e;
  const t = stores.trouble(store);
  if (!t || t === e) return new StoreDown(store, messageOf(e), e);
  return new StoreDown(store, `${messageOf(e)} (the connection reported: ${messageOf(t)})`, new AggregateError([e, t], messageOf(e)));
}

/** Runs a store read; an error from it becomes StoreDown naming the store, and its connection is dropped. */
export async function reading<T>(stores: Stores, store: StoreName, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const down = storeDown(stores, store, e);
    stores.drop(store);
    throw down;
  }
}
