// Connections to the stores, opened on first use and kept; each failure names its store, so the API can
// answer 503 "redis does not answer" instead of a stack trace.
import mysql, { type Pool } from 'mysql2/promise';
import { Redis } from 'ioredis';
import { connect, type HBaseThrift } from '../pipeline/hbase/client.ts';
import type { ReadAccess } from './access.ts';

export type StoreName = 'mysql' | 'redis' | 'hbase';

export class StoreDown extends Error {
  constructor(readonly store: StoreName, detail: string) {
    super(`${store} does not answer: ${detail}`);
  }
}

export interface Stores {
  /** The same SELECT on every shard; rows of all shards, in shard order (summing is the caller's). */
  shards<T>(sql: string, params: unknown[]): Promise<T[]>;
  redis(): Promise<Redis>;
  hbase(): Promise<HBaseThrift>;
  /** Forgets a connection that failed, so the next read opens a new one. */
  drop(store: StoreName): void;
  close(): Promise<void>;
}

const TIMEOUT_MS = 5_000;

export function openStores(access: ReadAccess, secret: (name: string) => Promise<string>): Stores {
  let pools: Promise<Pool[]> | null = null;
  let redis: Promise<Redis> | null = null;
  let hbase: Promise<HBaseThrift> | null = null;
  const fail = (store: StoreName) => (e: unknown): never => {
    throw e instanceof StoreDown ? e : new StoreDown(store, (e as Error).message);
  };
  return {
    async shards<T>(sql: string, params: unknown[]): Promise<T[]> {
      pools ??= Promise.all(
        access.shards.map(async (s) =>
          mysql.createPool({ host: s.host, port: s.port, user: s.user, password: await secret(s.passwordSecret), database: s.database, connectionLimit: 4, connectTimeout: TIMEOUT_MS, dateStrings: true, charset: 'utf8mb4' }),
        ),
      );
      const ps = await pools;
      const per = await Promise.all(
        ps.map((p, i) => p.query({ sql, values: params, timeout: 10_000 }).then(([rows]) => rows as T[], (e: Error) => fail('mysql')(new Error(`shard ${access.shards[i]!.node}: ${e.message}`)))),
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
        r.on('error', () => {});
        await r.connect();
        return r;
      })().catch((e) => {
        redis = null;
        return fail('redis')(e);
      });
      const r = await redis;
      if (r.status !== 'ready') throw new StoreDown('redis', `connection ${r.status}`);
      return r;
    },
    async hbase() {
      hbase ??= connect(access.hbase.host, access.hbase.port, { timeoutMs: TIMEOUT_MS }).catch((e) => {
        hbase = null;
        return fail('hbase')(e);
      });
      return hbase;
    },
    drop(store) {
      if (store === 'hbase') void hbase?.then((h) => h.close(), () => {}), (hbase = null);
      if (store === 'redis') void redis?.then((r) => r.disconnect(), () => {}), (redis = null);
    },
    async close() {
      await Promise.allSettled([pools?.then((ps) => Promise.all(ps.map((p) => p.end()))), redis?.then((r) => r.disconnect()), hbase?.then((h) => h.close())]);
    },
  };
}

/** Runs a store read; an error from it becomes StoreDown naming the store, and its connection is dropped. */
export async function reading<T>(stores: Stores, store: StoreName, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    stores.drop(store);
    if (e instanceof StoreDown) throw e;
    throw new StoreDown(store, (e as Error).message);
  }
}
