// Where a row lands: pure re-implementations of the two proxies' routing functions, so tests and the
// routing probe can predict the shard of a checkpoint without asking the proxy.
//
// Shard i is the i-th MariaDB server of the inventory (ShardingSphere data source ds_i, MyCat dataNode dn_i).
// The two engines use DIFFERENT hash functions (see the report in index.ts): data written through one is
// not where the other looks for it, so switching engines over existing data needs a reload.

export type ShardEngine = 'shardingsphere' | 'mycat';

/** Java's String.hashCode: UTF-16 code units, 32-bit wrap-around (what both proxies start from). */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

function checkCount(shardCount: number): void {
  if (!Number.isInteger(shardCount) || shardCount < 1) throw new Error(`shard count must be a positive integer, got ${shardCount}`);
}

/**
 * ShardingSphere 5.1 HASH_MOD (HashModShardingAlgorithm): `Math.abs((long) value.hashCode()) % count`.
 * The widening to long before abs means Integer.MIN_VALUE stays positive, unlike an int abs.
 */
export function shardFor(checkpoint: string, shardCount: number): number {
  checkCount(shardCount);
  return Math.abs(javaStringHashCode(checkpoint)) % shardCount;
}

/** MyCat 1.6's Wang/Jenkins integer mix (PartitionByHashMod.hash), in 32-bit Java int arithmetic. */
export function wangJenkinsHash(key: number): number {
  let k = key | 0;
  k = (~k + (k << 21)) | 0;
  k = k ^ (k >> 24);
  k = (k + (k << 3) + (k << 8)) | 0;
  k = k ^ (k >> 14);
  k = (k + (k << 2) + (k << 4)) | 0;
  k = k ^ (k >> 28);
  k = (k + (k << 31)) | 0;
  return k;
}

/**
 * MyCat 1.6.x io.mycat.route.function.PartitionByHashMod: quotes become spaces, trim, Wang/Jenkins of
 * hashCode, BigInteger abs, mod count (`& (count-1)` for powers of two, which is the same number).
 */
export function mycatShardFor(checkpoint: string, shardCount: number): number {
  checkCount(shardCount);
  const v = checkpoint.replaceAll("'", ' ').trim();
  const h = BigInt(wangJenkinsHash(javaStringHashCode(v)));
  return Number((h < 0n ? -h : h) % BigInt(shardCount));
}

export function shardForEngine(engine: ShardEngine, checkpoint: string, shardCount: number): number {
  return engine === 'mycat' ? mycatShardFor(checkpoint, shardCount) : shardFor(checkpoint, shardCount);
}

/** A checkpoint-like key, `<prefix>-<n>`, that the engine routes to `shard` (for probes and tests). */
export function keyOnShard(engine: ShardEngine, shard: number, shardCount: number, prefix: string): string {
  for (let n = 0; n < 10_000; n++) {
    const key = `${prefix}-${n}`;
    if (shardForEngine(engine, key, shardCount) === shard) return key;
  }
  throw new Error(`no key with prefix ${prefix} maps to shard ${shard} of ${shardCount}`);
}
