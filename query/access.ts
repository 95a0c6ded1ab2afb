// What the dashboard and `etclab query` read, derived from the inventory: read-only accounts only (the
// shards' SELECT-only user, Redis's read-only ACL user; HBase Thrift has no accounts: only scans are sent).
import type { Inventory } from '../provision/inventory/types.ts';
import { shardReaders, type ShardReader } from '../provision/services/mariadb/endpoints.ts';
import { redisReader } from '../provision/services/redis/endpoints.ts';
import { hbaseThrift } from '../provision/services/hbase/endpoints.ts';
import { flinkRest } from '../provision/services/flink/endpoints.ts';
import { consumerStatusEndpoints, pipelineTopic } from '../provision/services/pipeline/endpoints.ts';
import { kafkaBrokers } from '../provision/services/kafka/endpoints.ts';
import type { HostPort } from '../provision/inventory/members.ts';

export interface ReadAccess {
  shards: ShardReader[];
  redis: HostPort & { user: string; passwordSecret: string };
  hbase: HostPort;
  flink: HostPort | null;
  consumers: Array<HostPort & { node: string }>;
  /** The topic the replay writes, for the produce rate (its end offsets; Kafka has no accounts on the lab). */
  kafka: { brokers: string[]; topic: string } | null;
}

export class AccessError extends Error {}

export function readAccess(inv: Inventory): ReadAccess {
  for (const svc of ['mariadb', 'redis', 'hbase'])
    if (!inv.services[svc]) throw new AccessError(`the inventory ${inv.file} has no ${svc} service: the dashboard reads the pipeline's stores`);
  const shards = shardReaders(inv);
  const redis = redisReader(inv);
  // Safe by default: no read-only account, no dashboard (it never borrows the pipeline's writing accounts).
  if (!shards) throw new AccessError(`${inv.file}: services.mariadb.secrets.readPassword is not set: the dashboard reads the shards as a SELECT-only user (etc_ro)`);
  if (!redis) throw new AccessError(`${inv.file}: services.redis.secrets.readPassword is not set: the dashboard reads Redis as a read-only ACL user (etc_ro)`);
  return {
    shards,
    redis,
    hbase: hbaseThrift(inv),
    flink: inv.services.flink ? flinkRest(inv) : null,
    consumers: inv.services.pipeline ? consumerStatusEndpoints(inv) : [],
    kafka: inv.services.kafka ? { brokers: kafkaBrokers(inv), topic: pipelineTopic(inv) } : null,
  };
}
