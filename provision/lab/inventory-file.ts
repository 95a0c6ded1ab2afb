// inventory.yaml for the local lab, in the format of etclab.example.yaml. Pure: lab.ts decides when to write it.
import { stringify } from 'yaml';
import { LAB_NODES, LAB_SSH_PORT, type LabMode, type LabPaths } from './layout.ts';

export interface LabInventoryInput {
  paths: LabPaths;
  mode: LabMode;
  /**
   * Shared nodes: JAVA_HOME of the JDK 17 on this machine (every node sees it). Isolated nodes name none,
   * so `up` installs the distribution's JDK on each, as on a fresh machine.
   */
  javaHome?: string;
}

/** A YAML scalar: plain when that round-trips, quoted otherwise (paths with ':' or '#', say). */
const s = (v: string) => stringify(v, { lineWidth: 0 }).trimEnd();

export function renderLabInventory({ paths, mode, javaHome }: LabInventoryInput): string {
  if (mode === 'shared' && !javaHome?.startsWith('/')) throw new Error(`javaHome must be an absolute path, got ${JSON.stringify(javaHome)}`);
  // javaHome on every node, so no reader has to know whether it is inherited from another node.
  const nodes = LAB_NODES.map((n) =>
    [
      `  - name: ${n.name}`,
      `    address: ${n.address}`,
      `    baseDir: ${s(paths.nodes[n.name]!.base)}`,
      ...(mode === 'shared' ? [`    javaHome: ${s(javaHome!)}`] : []),
    ].join('\n'),
  ).join('\n');
  const nodesComment = mode === 'shared'
    ? 'all nodes share this machine\'s filesystem, so one JDK'
    : 'each node its own root filesystem: up installs the JDK, packages and Node.js';
  return `# etclab inventory of the local lab: three network namespaces on this machine (\`etclab lab up\`, ${mode} nodes).
# Written when absent or when the lab was down; your edits survive \`lab up\` while the lab stays up.
cluster: etc-lab
profile: lab                   # small JVM heaps for one 2-core machine
stateDir: ${s(paths.stateDir)}

ssh:
  user: root
  port: ${LAB_SSH_PORT}
  key: ${s(paths.clientKey)}
  knownHosts: ${s(paths.knownHosts)}

nodes:                         # ${nodesComment}
${nodes}

secrets:
  redis_password: { file: ${s(paths.secrets.redis_password)} }
  mysql_root_password: { file: ${s(paths.secrets.mysql_root_password)} }
  mysql_app_password: { file: ${s(paths.secrets.mysql_app_password)} }
  mysql_read_password: { file: ${s(paths.secrets.mysql_read_password)} }
  redis_read_password: { file: ${s(paths.secrets.redis_read_password)} }

# Ports, heaps and versions are the service modules' lab defaults: see etclab.example.yaml to override them.
services:
  zookeeper:
    roles: { server: [node1, node2, node3] }
  redis:
    roles: { server: [node1] }
    secrets: { password: redis_password, readPassword: redis_read_password }   # readPassword: the dashboard's read-only user
  mariadb:
    roles: { server: [node1, node2, node3] }
    settings: { database: etc, appUser: etc }
    secrets: { rootPassword: mysql_root_password, appPassword: mysql_app_password, readPassword: mysql_read_password }
  kafka:                       # ZooKeeper mode, like the user's Kafka 2.4 cluster
    roles: { broker: [node1, node2, node3] }
  hdfs:
    roles: { namenode: [node1], datanode: [node1, node2, node3], secondarynamenode: [node2] }
  yarn:
    roles: { resourcemanager: [node1], nodemanager: [node1, node2, node3] }
  hbase:                       # Thrift (8085) for the pipeline, thrift2 for table admin
    roles: { master: [node1], regionserver: [node1, node2, node3], thrift: [node1], thrift2: [node1] }
  flink:
    roles: { jobmanager: [node1], taskmanager: [node1, node2, node3] }
  proxy:                       # ShardingSphere-Proxy on 8066 (MyCat's port) over the three MariaDB shards
    roles: { server: [node1] }
    secrets: { appPassword: mysql_app_password }
  pipeline:                    # the stream consumers (one per node, one per partition), after the stores
    roles: { consumer: [node1, node2, node3] }
  dashboard:                   # the big screen, query page and JSON API on node1:8080, read-only accounts
    roles: { server: [node1] }
`;
}
