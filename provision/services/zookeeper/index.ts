// ZooKeeper from Debian's package, run as a quorum peer from the node's base directory (never /etc/zookeeper).
import type { ServiceModule } from '../types.ts';
import { render } from '../render.ts';
import { javaCommand } from '../common.ts';

const CLASSPATH = ['/usr/share/java/zookeeper.jar', '/usr/share/java/slf4j-log4j12.jar', '/usr/share/java/log4j-1.2.jar'];

export const zookeeper: ServiceModule = {
  name: 'zookeeper',
  description: 'ZooKeeper ensemble (Debian package), 4lw health: one leader, the rest followers',
  roles: ['server'],
  runtime: 'java',
  after: [],
  defaults: (profile, nodes) => ({
    roles: { server: nodes.slice(0, 3) },
    version: '3.8',
    source: { kind: 'debian' },
    ports: { client: 2181, peer: 2888, election: 3888 },
    heap: { server: profile === 'lab' ? '96m' : '512m' },
    secrets: {},
  }),
  packages: ['zookeeper', 'libslf4j-java', 'liblog4j1.2-java'],
  daemon(ctx) {
    const { node, home, spec, members } = ctx;
    const servers = members.server;
    const id = servers.findIndex((n) => n.name === node.name) + 1;
    const conf = `${home}/conf`;
    const zoo = render('zookeeper/templates/zoo.cfg', {
      node: node.name,
      dataDir: `${home}/data`,
      clientPort: spec.ports.client,
      address: node.address,
      servers: servers.map((n, i) => `server.${i + 1}=${n.address}:${spec.ports.peer}:${spec.ports.election}`).join('\n'),
    });
    return {
      role: 'server',
      files: [
        { path: `${conf}/zoo.cfg`, content: zoo, mode: 0o644 },
        { path: `${conf}/log4j.properties`, content: render('zookeeper/templates/log4j.properties', { logDir: `${home}/logs` }), mode: 0o644 },
        { path: `${home}/data/myid`, content: `${id}\n`, mode: 0o644 },
      ],
      command: javaCommand({
        javaHome: node.javaHome,
        heap: spec.heap.server,
        classpath: [conf, ...CLASSPATH].join(':'),
        main: 'org.apache.zookeeper.server.quorum.QuorumPeerMain',
        args: [`${conf}/zoo.cfg`],
        props: { 'zookeeper.log.dir': `${home}/logs`, 'log4j.configuration': `file:${conf}/log4j.properties`, 'zookeeper.admin.enableServer': 'false' },
        tmpDir: `${home}/tmp`,
      }),
      prestart: `mkdir -p ${home}/tmp ${home}/data`,
      ports: [spec.ports.client, spec.ports.peer, spec.ports.election],
      probe: { protocol: 'zookeeper', node: node.name, host: node.address, port: spec.ports.client },
      stopGraceSec: 10,
    };
  },
  clusterProbe: ({ spec, members }) => ({
    protocol: 'zookeeper-ensemble',
    servers: members.server.map((n) => ({ node: n.name, host: n.address, port: spec.ports.client })),
  }),
};
