// The stream job's dashboard, read from Redis with the same commands and assembly the pipeline defines
// (pipeline/core/dashboard.ts): clock first, then the snapshot relative to it.
import { Redis } from 'ioredis';
import type { Inventory } from '../../provision/inventory/types.ts';
import { resolveSecret } from '../../provision/inventory/resolve-secrets.ts';
import { assembleSnapshot, clockReadCommand, snapshotReadCommands, type DashboardSnapshot } from '../../pipeline/core/dashboard.ts';
import { Absent } from './types.ts';
import { redisServer } from '../../provision/services/redis/endpoints.ts';

export interface RedisTarget {
  host: string;
  port: number;
  /** Name of the inventory secret holding the password (resolved at connect time, never logged). */
  passwordSecret?: string;
}

export function redisTarget(inv: Inventory): RedisTarget {
  if (!inv.services.redis) throw new Absent('Redis is not in the inventory');
  return redisServer(inv);
}

/** Minutes of flow the console charts (one sparkline character each). */
export const FLOW_MINUTES = 30;

export class RedisDashboardReader {
  private client: Redis | null = null;

  constructor(
    private readonly inv: Inventory,
    private readonly minutes = FLOW_MINUTES,
  ) {}

  private async connect(): Promise<Redis> {
    if (this.client) return this.client;
    const t = redisTarget(this.inv);
    const password = t.passwordSecret ? await resolveSecret(this.inv, t.passwordSecret) : undefined;
    const client = new Redis({
      host: t.host,
      port: t.port,
      password,
      lazyConnect: true,
      connectTimeout: 3000,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      // No background reconnect loop: the next refresh makes a new client, so a down Redis costs one error.
      retryStrategy: () => null,
    });
    // The real cause (WRONGPASS, ECONNREFUSED) arrives as an 'error' event; connect() only says "closed".
    let cause: Error | null = null;
    client.on('error', (e: Error) => (cause = e));
    try {
      await client.connect();
      await client.ping();
    } catch (e) {
      client.disconnect();
      throw new Error(`Redis ${t.host}:${t.port}: ${(cause ?? (e as Error)).message}`);
    }
    this.client = client;
    return client;
  }

  async read(): Promise<DashboardSnapshot> {
    const client = await this.connect();
    try {
      const [cmd, ...args] = clockReadCommand();
      const clock = (await client.call(cmd, ...args)) as string | null;
      const cmds = snapshotReadCommands(clock === null ? null : Number(clock), this.minutes);
      const pipe = client.pipeline();
      for (const [c, ...a] of cmds) pipe.call(c, ...a);
      const results = (await pipe.exec()) ?? [];
      const replies = results.map(([err, r], i) => {
        if (err) throw new Error(`Redis ${cmds[i][0]} ${cmds[i][1]}: ${err.message}`);
        return r as string | null | string[];
      });
      return assembleSnapshot(clock, replies, this.minutes);
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    c?.disconnect();
  }
}
