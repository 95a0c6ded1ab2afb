// The Maven Central recipe for HDFS (NameNode, DataNode, SecondaryNameNode).
import type { ArtifactSpec } from '../../artifacts/spec.ts';

export const HADOOP_DEFAULT_VERSION = '3.3.6';

// hadoop-common's ZooKeeper 3.6 drags in log4j 1.2.17 and a second SLF4J binding (Hadoop's own build
// excludes them in dependencyManagement, which consumers do not inherit); reload4j already covers both.
export const HADOOP_EXCLUDES = ['log4j:log4j', 'org.slf4j:slf4j-log4j12'];

/** hadoop-hdfs declares common and hdfs-client `provided`; its web UI (webapps/…) ships only in the -tests jar. */
export function hdfsArtifact(version: string = HADOOP_DEFAULT_VERSION): ArtifactSpec {
  return {
    service: 'hdfs',
    version,
    coordinates: [
      `org.apache.hadoop:hadoop-common:${version}`,
      `org.apache.hadoop:hadoop-hdfs:${version}`,
      `org.apache.hadoop:hadoop-hdfs:${version}:tests`,
      `org.apache.hadoop:hadoop-hdfs-client:${version}`,
    ],
    excludes: HADOOP_EXCLUDES,
  };
}
