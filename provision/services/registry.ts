// Every service etclab knows, in start order. The plan's dependencies come from each module's `after`;
// this order only decides how `plan` and `status` list them.
import type { ServiceModule } from './types.ts';
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

export const serviceModules: ServiceModule[] = [zookeeper, redis, mariadb, kafka, hdfs, yarn, hbase, flink, proxy, pipeline];

export function moduleByName(name: string): ServiceModule | undefined {
  return serviceModules.find((m) => m.name === name);
}
