// The lab's MySQL sharding proxy from Maven Central.
//
// Apache deploys shardingsphere-proxy-bootstrap to Central only for 5.0.0 and 5.1.0 (later proxy modules
// are release-tarball only), so 5.1.0 is the newest proxy Maven can assemble. Its runtime tree already
// holds the MySQL frontend (shardingsphere-proxy-frontend-mysql), Standalone mode with the File repository,
// HikariCP, Connector/J 5.1.47 (for the MariaDB shards) and logback.
import type { ArtifactSpec } from '../../artifacts/spec.ts';

export const SHARDINGSPHERE_DEFAULT_VERSION = '5.1.0';
export const SHARDINGSPHERE_MAIN = 'org.apache.shardingsphere.proxy.Bootstrap';
export const MYCAT_MAIN = 'io.mycat.MycatStartup';

export function proxyArtifact(version = SHARDINGSPHERE_DEFAULT_VERSION): ArtifactSpec {
  return {
    service: 'proxy',
    version,
    coordinates: [`org.apache.shardingsphere:shardingsphere-proxy-bootstrap:${version}`],
    // ZooKeeper 3.6 (cluster-mode repository, unused in Standalone) drags in log4j 1.2.17: never loaded here.
    excludes: ['log4j:log4j'],
  };
}
