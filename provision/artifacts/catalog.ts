// The Maven Central recipe for each service runtime etclab can assemble. Versions come from the inventory.
import type { ArtifactSpec } from './spec.ts';
import { HBASE_DEFAULT_VERSION, hbaseArtifact } from '../services/hbase/artifact.ts';
import { FLINK_DEFAULT_VERSION, flinkArtifact } from '../services/flink/artifact.ts';
import { SHARDINGSPHERE_DEFAULT_VERSION, proxyArtifact } from '../services/proxy/artifact.ts';

type Recipe = (version: string) => ArtifactSpec;


// hadoop-common's ZooKeeper 3.6 drags in log4j 1.2.17 and a second SLF4J binding (Hadoop's own build
// excludes them in dependencyManagement, which consumers do not inherit); reload4j already covers both.
const HADOOP_EXCLUDES = ['log4j:log4j', 'org.slf4j:slf4j-log4j12'];

export const catalog: Record<string, { defaultVersion: string; recipe: Recipe }> = {
  kafka: {
    defaultVersion: '3.9.1',
    // The broker jar does not bring a logging binding (the tarball adds one to libs/): without it Kafka
    // logs nothing at all.
    recipe: (v) => ({
      service: 'kafka',
      version: v,
      coordinates: [`org.apache.kafka:kafka_2.13:${v}`, 'org.slf4j:slf4j-reload4j:1.7.36', 'ch.qos.reload4j:reload4j:1.2.25'],
    }),
  },
  hdfs: {
    defaultVersion: '3.3.6',
    // hadoop-hdfs declares common and hdfs-client `provided`; its web UI (webapps/hdfs, datanode,
    // secondary, static) ships only in the -tests jar.
    recipe: (v) => ({
      service: 'hdfs',
      version: v,
      coordinates: [
        `org.apache.hadoop:hadoop-common:${v}`,
        `org.apache.hadoop:hadoop-hdfs:${v}`,
        `org.apache.hadoop:hadoop-hdfs:${v}:tests`,
        `org.apache.hadoop:hadoop-hdfs-client:${v}`,
      ],
      excludes: HADOOP_EXCLUDES,
    }),
  },
  yarn: {
    defaultVersion: '3.3.6',
    // hdfs-client so `fs.defaultFS=hdfs://…` resolves inside the RM and NM (log aggregation, staging);
    // timelineservice is declared `provided` but the RM loads TimelineCollectorManager at start anyway.
    recipe: (v) => ({
      service: 'yarn',
      version: v,
      coordinates: [
        `org.apache.hadoop:hadoop-common:${v}`,
        `org.apache.hadoop:hadoop-hdfs-client:${v}`,
        `org.apache.hadoop:hadoop-yarn-server-resourcemanager:${v}`,
        `org.apache.hadoop:hadoop-yarn-server-nodemanager:${v}`,
        `org.apache.hadoop:hadoop-yarn-server-timelineservice:${v}`,
      ],
      excludes: HADOOP_EXCLUDES,
    }),
  },
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
