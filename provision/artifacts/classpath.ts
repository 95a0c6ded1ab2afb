// Where a service's jars are on a node, for each way the inventory can say it got them.
import type { ArtifactSource, NodeSpec } from '../inventory/types.ts';
import { dirName } from './spec.ts';

/** Which tree a tarball / existing install has: Kafka's `libs/`, or Hadoop's `share/hadoop/<part>/`. */
export type Layout = { kind: 'kafka' } | { kind: 'hadoop'; parts: Array<'common' | 'hdfs' | 'yarn' | 'mapreduce'> };

/** The artifact's directory on a node (the `to` of the sync action). */
export const nodeArtifactDir = (node: Pick<NodeSpec, 'baseDir'>, a: { service: string; version: string }) =>
  `${node.baseDir}/artifacts/${dirName(a)}`;

/** The runtime's home on a node: what HADOOP_HOME / KAFKA_HOME would be (the maven kind has no such tree). */
export function runtimeHome(source: ArtifactSource, node: Pick<NodeSpec, 'baseDir'>, a: { service: string; version: string }): string {
  switch (source.kind) {
    case 'maven':
      return nodeArtifactDir(node, a);
    case 'tarball':
      return `${nodeArtifactDir(node, a)}/home`;
    case 'existing':
      return source.home.replace(/\/+$/, '');
    case 'debian':
    case 'bundle':
      throw new Error(`services.${a.service}.source: kind ${source.kind} is not supported for ${a.service} (use maven, tarball or existing)`);
  }
}

/** Classpath entries (without the conf dir, which callers put first). */
export function runtimeClasspath(
  source: ArtifactSource,
  node: Pick<NodeSpec, 'baseDir'>,
  a: { service: string; version: string },
  layout: Layout,
): string[] {
  const home = runtimeHome(source, node, a);
  if (source.kind === 'maven') return [`${home}/lib/*`];
  if (layout.kind === 'kafka') return [`${home}/libs/*`];
  // bin/hdfs also puts the bare share/hadoop/hdfs dir on the classpath: that is where webapps/ lives.
  return layout.parts.flatMap((p) => {
    const d = `${home}/share/hadoop/${p}`;
    return [...(p === 'hdfs' || p === 'yarn' ? [d] : []), `${d}/*`, `${d}/lib/*`];
  });
}
