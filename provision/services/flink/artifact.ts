// The Maven Central recipe for a Flink standalone session cluster.
import type { ArtifactSpec } from '../../artifacts/spec.ts';
import { HADOOP_DEFAULT_VERSION } from '../hdfs/artifact.ts';

export const FLINK_DEFAULT_VERSION = '1.18.1';

/**
 * Maven Central has no flink-dist; these four plus a log4j2 binding are what a session cluster needs
 * (flink-runtime-web for the REST UI, flink-clients and flink-streaming-java so submitted jobs find the
 * DataStream API on the cluster classpath, as the tarball's flink-dist provides), and the connector base and
 * file connector flink-dist bundles: the Kafka, JDBC and HBase connectors declare them `provided`, so a job
 * using one dies with NoClassDefFoundError …/connector/base/source/reader/RecordEmitter without them.
 * The shaded Hadoop client (two jars, their own dependencies relocated, so nothing clashes with a job's)
 * lets savepoints and checkpoints go to hdfs://, as `export HADOOP_CLASSPATH=$(hadoop classpath)` does by hand.
 */
export function flinkArtifact(version: string = FLINK_DEFAULT_VERSION): ArtifactSpec {
  const log4j = '2.17.1';
  return {
    service: 'flink',
    version,
    coordinates: [
      `org.apache.flink:flink-runtime:${version}`,
      `org.apache.flink:flink-runtime-web:${version}`,
      `org.apache.flink:flink-clients:${version}`,
      `org.apache.flink:flink-streaming-java:${version}`,
      `org.apache.flink:flink-connector-base:${version}`,
      `org.apache.flink:flink-connector-files:${version}`,
      `org.apache.hadoop:hadoop-client-api:${HADOOP_DEFAULT_VERSION}`,
      `org.apache.hadoop:hadoop-client-runtime:${HADOOP_DEFAULT_VERSION}`,
      `org.apache.logging.log4j:log4j-slf4j-impl:${log4j}`,
      `org.apache.logging.log4j:log4j-api:${log4j}`,
      `org.apache.logging.log4j:log4j-core:${log4j}`,
      `org.apache.logging.log4j:log4j-1.2-api:${log4j}`,
    ],
  };
}

export const artifact: ArtifactSpec = flinkArtifact();
