// Dashboard counters in Redis: runs core/dashboard.ts's WATCH / HGET / MULTI…EXEC protocol with ioredis.
import { Redis } from 'ioredis';
import { planDashboardBatch, planWarningCommands, type PartitionBatch } from '../core/dashboard.ts';
import type { FlowWarning } from '../core/flow-warning.ts';
import { KEYS, offsetKey, REDIS_PROJECT } from '../core/redis-keys.ts';

export interface RedisEndpoint {
  host: string;
  port: number;
  password?: string;
}

export interface RedisResult {
  applied: number;
  skipped: number;
}

/**
 * `namespace` moves every key to another business id of the same scheme, `etc:<ns>_<business>:…`, so a
 * test (or a second pipeline) never touches the dashboard's own keys. Every command of the plan has
 * its key as first argument, which is what gets rewritten.
 */
export function namespacedKey(key: string, namespace?: string): string {
  if (!namespace) return key;
  const head = `${REDIS_PROJECT}:`;
  if (!key.startsWith(head)) throw new Error(`not a ${head}* key: ${key}`);
  return `${head}${namespace}_${key.slice(head.length)}`;
}

export class RedisSink {
  // One connection and WATCH is per connection: batches must not interleave on it.
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly redis: Redis,
    readonly namespace?: string,
  ) {}

  static create(ep: RedisEndpoint, namespace?: string): RedisSink {
    if (namespace !== undefined && !/^[a-z][a-z0-9_]*$/.test(namespace)) throw new Error(`redis namespace must match [a-z][a-z0-9_]*: ${namespace}`);
    const redis = new Redis({
      host: ep.host,
      port: ep.port,
      password: ep.password,
      // Fail fast while Redis is away: the consumer backs off and retries the batch itself, and says so.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 5_000,
      retryStrategy: (n) => Math.min(n * 250, 3_000),
      lazyConnect: true,
    });
    redis.on('error', () => {}); // reported through the failing command instead
    return new RedisSink(redis, namespace);
  }

  key(k: string): string {
    return namespacedKey(k, this.namespace);
  }

  private async ready(): Promise<void> {
    if (this.redis.status === 'ready') return;
    if (this.redis.status === 'wait' || this.redis.status === 'end') await this.redis.connect();
    else throw new Error(`redis ${this.redis.options.host}:${this.redis.options.port} not connected (${this.redis.status})`);
  }

  async storedOffsets(topic: string): Promise<Map<number, number>> {
    await this.ready();
    const h = await this.redis.hgetall(this.key(offsetKey(topic)));
    return new Map(Object.entries(h).map(([p, o]) => [Number(p), Number(o)]));
  }

  apply(batch: PartitionBatch): Promise<RedisResult> {
    const run = this.chain.then(() => this.applyNow(batch));
    this.chain = run.catch(() => {});
    return run;
  }

  private async applyNow(batch: PartitionBatch): Promise<RedisResult> {
    await this.ready();
    const okey = this.key(offsetKey(batch.topic));
    for (let attempt = 1; ; attempt++) {
      await this.redis.watch(okey);
      try {
        const applied = await this.redis.hget(okey, String(batch.partition));
        const plan = planDashboardBatch(batch, applied === null ? null : Number(applied));
        if (plan.commands.length === 0) {
          await this.redis.unwatch();
          return { applied: 0, skipped: plan.skipped };
        }
        // ioredis looks commands up as its lower-case methods.
        const tx = this.redis.multi(plan.commands.map(([cmd, key, ...args]) => [cmd.toLowerCase(), this.key(key!), ...args]));
        const res = await tx.exec();
        if (res === null) {
          if (attempt >= 20) throw new Error(`redis: ${okey} kept changing under WATCH (20 attempts)`);
          continue; // someone else wrote the offset hash: re-read and re-plan
        }
        // EXEC does not roll back: a failed command means the counters are off for good. Say which.
        const failed = res.map(([e], i) => (e ? `${plan.commands[i]![0]}: ${e.message}` : null)).filter(Boolean);
        if (failed.length) throw new Error(`redis EXEC partly failed (counters now inconsistent): ${failed.join('; ')}`);
        return { applied: plan.applied, skipped: plan.skipped };
      } catch (err) {
        await this.redis.unwatch().catch(() => {});
        throw err;
      }
    }
  }

  /** Every current flow warning and the warner's progress, as absolute values in one MULTI (repeatable). */
  async applyWarnings(warnings: FlowWarning[], to: number): Promise<void> {
    await this.ready();
    const plan = planWarningCommands(warnings, to);
    const res = await this.redis.multi(plan.map(([cmd, key, ...args]) => [cmd.toLowerCase(), this.key(key!), ...args])).exec();
    const failed = (res ?? []).map(([e], i) => (e ? `${plan[i]![0]}: ${e.message}` : null)).filter(Boolean);
    if (res === null || failed.length) throw new Error(`redis EXEC of the flow warnings failed: ${failed.join('; ') || 'aborted'}`);
  }

  async close(): Promise<void> {
    await this.chain.catch(() => {});
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }
}
