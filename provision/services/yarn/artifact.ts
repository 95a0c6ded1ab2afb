// The Maven Central recipe for YARN (ResourceManager, NodeManager).
import type { ArtifactSpec } from '../../artifacts/spec.ts';
import { HADOOP_DEFAULT_VERSION, HADOOP_EXCLUDES } from '../hdfs/artifact.ts';

/**
 * hdfs-client so `fs.defaultFS=hdfs://…` resolves inside the RM and NM (log aggregation, staging);
 * timelineservice is declared `provided` but the RM loads TimelineCollectorManager at start anyway.
 */
export function yarnArtifact(version: string = HADOOP_DEFAULT_VERSION): ArtifactSpec {
  return {
    service: 'yarn',
    version,
    coordinates: [
      `org.apache.hadoop:hadoop-common:${version}`,
      `org.apache.hadoop:hadoop-hdfs-client:${version}`,
      `org.apache.hadoop:hadoop-yarn-server-resourcemanager:${version}`,
      `org.apache.hadoop:hadoop-yarn-server-nodemanager:${version}`,
      `org.apache.hadoop:hadoop-yarn-server-timelineservice:${version}`,
    ],
    excludes: HADOOP_EXCLUDES,
  };
}
