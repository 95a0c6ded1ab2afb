// The Maven Central recipe for HBase (HMaster, RegionServer, Thrift servers) on Hadoop 3.3.6.
import type { ArtifactSpec } from '../../artifacts/spec.ts';

export const HBASE_DEFAULT_VERSION = '2.5.8';
export const HADOOP_CLIENT_VERSION = '3.3.6';

/**
 * `version` is the HBase release ("2.5.8"). hbase-server is taken in its `-hadoop3` build (the plain one
 * is compiled against Hadoop 2, whose asyncfs WAL writer fails against a 3.x NameNode); hbase-thrift has
 * no `-hadoop3` build in the registry the lab uses, and its classes do not touch the Hadoop 2/3
 * differences, so the plain one is used and Maven's nearest-wins keeps every other hbase-* jar at
 * `-hadoop3`. The Hadoop jars are listed at 3.3.6 so they win over the 3.2.4 / 2.10.2 that the HBase
 * poms name (same as the HDFS service), and hadoop-client 2.10 (pulled only by hbase-thrift, dragging
 * MapReduce/YARN 2.10 jars) is left out.
 */
export function hbaseArtifact(version: string = HBASE_DEFAULT_VERSION): ArtifactSpec {
  const h = HADOOP_CLIENT_VERSION;
  return {
    service: 'hbase',
    version,
    coordinates: [
      `org.apache.hbase:hbase-server:${version}-hadoop3`,
      `org.apache.hbase:hbase-thrift:${version}`,
      `org.apache.hadoop:hadoop-common:${h}`,
      `org.apache.hadoop:hadoop-auth:${h}`,
      `org.apache.hadoop:hadoop-annotations:${h}`,
      `org.apache.hadoop:hadoop-hdfs:${h}`,
      `org.apache.hadoop:hadoop-hdfs-client:${h}`,
      `org.apache.hadoop:hadoop-mapreduce-client-core:${h}`,
      `org.apache.hadoop:hadoop-distcp:${h}`,
    ],
    // A second SLF4J binding (log4j 1.2.17 + slf4j-log4j12) next to reload4j makes the logging binding a coin toss.
    excludes: ['org.apache.hadoop:hadoop-client', 'log4j:log4j', 'org.slf4j:slf4j-log4j12'],
  };
}

export const artifact: ArtifactSpec = hbaseArtifact();
