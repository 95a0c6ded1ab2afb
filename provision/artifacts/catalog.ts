// The Maven Central recipe for each service runtime etclab can assemble. Versions come from the inventory.
import type { ArtifactSpec } from './spec.ts';
import { HBASE_DEFAULT_VERSION, hbaseArtifact } from '../services/hbase/artifact.ts';
import { FLINK_DEFAULT_VERSION, flinkArtifact } from '../services/flink/artifact.ts';
import { SHARDINGSPHERE_DEFAULT_VERSION, proxyArtifact } from '../services/proxy/artifact.ts';
import { KAFKA_DEFAULT_VERSION, kafkaArtifact } from '../services/kafka/artifact.ts';
import { HADOOP_DEFAULT_VERSION, hdfsArtifact } from '../services/hdfs/artifact.ts';
import { yarnArtifact } from '../services/yarn/artifact.ts';

type Recipe = (version: string) => ArtifactSpec;

/** Each service's recipe lives in its folder (provision/services/<service>/artifact.ts); this is the index. */
export const catalog: Record<string, { defaultVersion: string; recipe: Recipe }> = {
  kafka: { defaultVersion: KAFKA_DEFAULT_VERSION, recipe: kafkaArtifact },
  hdfs: { defaultVersion: HADOOP_DEFAULT_VERSION, recipe: hdfsArtifact },
  yarn: { defaultVersion: HADOOP_DEFAULT_VERSION, recipe: yarnArtifact },
  hbase: { defaultVersion: HBASE_DEFAULT_VERSION, recipe: hbaseArtifact },
  flink: { defaultVersion: FLINK_DEFAULT_VERSION, recipe: flinkArtifact },
  proxy: { defaultVersion: SHARDINGSPHERE_DEFAULT_VERSION, recipe: proxyArtifact },
};

/** The spec for `service@version` (version defaulting to the catalog's); the error lists what is known. */
export function specFor(service: string, version?: string): ArtifactSpec {
  const entry = catalog[service];
  if (!entry)
    throw new Error(`no Maven recipe for service ${JSON.stringify(service)}; known: ${Object.keys(catalog).sort().join(', ')}`);
  return entry.recipe(version ?? entry.defaultVersion);
}
