// Every service etclab knows, in start order: a topological sort of each module's `after` (the plan builder
// walks modules in this order and needs every service a module names to come first). Ties keep the order
// listed here, which is how `plan` and `status` list them.
import type { ServiceModule } from './types.ts';
import { startOrder } from './start-order.ts';
import { zookeeper } from './zookeeper/index.ts';
import { redis } from './redis/index.ts';
import { mariadb } from './mariadb/index.ts';
import { kafka } from './kafka/index.ts';
import { hdfs } from './hdfs/index.ts';
import { yarn } from './yarn/index.ts';
import { hbase } from './hbase/index.ts';
import { flink } from './flink/index.ts';
import { proxy } from './proxy/index.ts';
import { pipeline } from './pipeline/index.ts';
import { dashboard } from './dashboard/index.ts';

export const serviceModules: ServiceModule[] = startOrder([zookeeper, redis, mariadb, kafka, hdfs, yarn, hbase, flink, proxy, pipeline, dashboard]);

export function moduleByName(name: string): ServiceModule | undefined {
  return serviceModules.find((m) => m.name === name);
}
