// Every TCP listener etclab starts, per node, from the daemons the plan would run (Daemon.ports: what `up`
// checks is free before a start and listening after). Ports come from the service modules; this module only
// says what each one is, who may use it and what it binds, for `etclab ports` and the README's firewall
// advice. Pure: no I/O.
import type { Inventory } from '../inventory/types.ts';
import type { ServiceModule } from '../services/types.ts';
import { daemonsOf, type DaemonRef } from './build.ts';

export interface Listener {
  node: string;
  /** The node's address in the inventory. */
  address: string;
  service: string;
  role: string;
  port: number;
  /** The port's name in services.<service>.ports. */
  portName: string;
  what: string;
  protocol: string;
  /** The address it binds ('0.0.0.0': every interface). */
  bind: string;
  authenticated: boolean;
  /** For an unauthenticated port: what anyone who reaches it can do. For the others: how it asks. */
  note: string;
}

interface About {
  what: string;
  protocol: string;
  authenticated: boolean;
  note: string;
  /** The address when it is not the node's. */
  bind?: (d: DaemonRef) => string;
}

const hadoopRpc = (what: string, note: string): About => ({ what, protocol: 'Hadoop RPC', authenticated: false, note: `as any user name (simple auth): ${note}` });
const web = (what: string, note = 'read-only web UI, JMX, logs'): About => ({ what, protocol: 'HTTP', authenticated: false, note });

/** ShardingSphere-Proxy 5.1.0 cannot be given an address (apache/shardingsphere#18554); MyCat's is in its server.xml. */
function proxyBind(d: DaemonRef): string {
  const serverXml = d.daemon.files.find((f) => f.path.endsWith('/server.xml'));
  if (!serverXml) return '0.0.0.0';
  const ip = /<property name="bindIp">\s*([^<\s]+)\s*<\/property>/.exec(serverXml.content)?.[1];
  return ip ?? '0.0.0.0';
}

/** The dashboard listens where its rendered config says (settings.bind: the node's address or another). */
function dashboardBind(d: DaemonRef): string {
  const conf = d.daemon.files[0];
  return conf ? String((JSON.parse(conf.content) as { listen: { host: string } }).listen.host) : d.node.address;
}

/** Keyed by service, then by the port's name in the module's defaults. */
const ABOUT: Record<string, Record<string, About>> = {
  zookeeper: {
    client: { what: 'client', protocol: 'ZooKeeper', authenticated: false, note: 'read and change every znode (Kafka\'s and HBase\'s metadata)' },
    peer: { what: 'quorum', protocol: 'ZooKeeper', authenticated: false, note: 'followers\' traffic to the leader' },
    election: { what: 'leader election', protocol: 'ZooKeeper', authenticated: false, note: 'joins the election' },
  },
  redis: { redis: { what: 'server', protocol: 'RESP', authenticated: true, note: 'password (requirepass; the dashboard\'s read-only ACL user)' } },
  mariadb: { mysql: { what: 'shard', protocol: 'MySQL', authenticated: true, note: 'password' } },
  kafka: {
    broker: { what: 'PLAINTEXT listener', protocol: 'Kafka', authenticated: false, note: 'produce, consume, create and delete topics' },
    controller: { what: 'KRaft controller', protocol: 'Kafka', authenticated: false, note: 'controller quorum traffic' },
  },
  hdfs: {
    namenodeRpc: hadoopRpc('NameNode RPC (fs.defaultFS)', 'read, write and delete files'),
    namenodeHttp: web('NameNode web UI and WebHDFS', 'WebHDFS as any user name (simple auth): read, write and delete files'),
    datanode: { what: 'DataNode data transfer', protocol: 'HDFS data', authenticated: false, note: 'read and write blocks' },
    datanodeHttp: web('DataNode web UI'),
    datanodeIpc: hadoopRpc('DataNode IPC', 'DataNode administration'),
    secondaryHttp: web('SecondaryNameNode web UI'),
  },
  yarn: {
    scheduler: hadoopRpc('ResourceManager scheduler', 'application masters ask for containers'),
    resourceTracker: hadoopRpc('ResourceManager resource tracker', 'registers NodeManagers'),
    resourcemanager: hadoopRpc('ResourceManager client RPC', 'submits and kills applications'),
    admin: hadoopRpc('ResourceManager admin', 'refreshes queues and nodes'),
    resourcemanagerWeb: web('ResourceManager web UI and REST', 'REST: submits and kills applications (runs commands on the NodeManagers)'),
    localizer: hadoopRpc('NodeManager localizer', 'container localization'),
    nodemanager: hadoopRpc('NodeManager container manager', 'starts and stops containers'),
    nodemanagerWeb: web('NodeManager web UI', 'web UI, container logs'),
  },
  hbase: {
    master: hadoopRpc('HMaster RPC', 'table administration'),
    masterInfo: web('HMaster web UI'),
    regionserver: hadoopRpc('RegionServer RPC', 'reads and writes every table'),
    regionserverInfo: web('RegionServer web UI'),
    thrift: { what: 'Thrift (the pipeline, the dashboard)', protocol: 'Thrift', authenticated: false, note: 'reads and writes every table' },
    thriftInfo: web('Thrift web UI'),
    thrift2: { what: 'thrift2 (table admin)', protocol: 'Thrift', authenticated: false, note: 'reads, writes, creates and drops tables' },
    thrift2Info: web('thrift2 web UI'),
  },
  flink: {
    rest: web('JobManager REST API and web UI', 'uploads jars, submits, stops and cancels jobs (runs code on every TaskManager)'),
    rpc: { what: 'JobManager RPC', protocol: 'Pekko RPC', authenticated: false, note: 'cluster control' },
    blob: { what: 'JobManager BLOB server', protocol: 'Flink BLOB', authenticated: false, note: 'job jars and artifacts' },
    taskmanagerRpc: { what: 'TaskManager RPC', protocol: 'Pekko RPC', authenticated: false, note: 'task deployment' },
    taskmanagerData: { what: 'TaskManager data exchange', protocol: 'Flink netty', authenticated: false, note: 'records between tasks' },
  },
  proxy: {
    server: { what: 'the application\'s MySQL endpoint', protocol: 'MySQL', authenticated: true, note: 'password', bind: proxyBind },
    manager: { what: 'MyCat manager', protocol: 'MySQL', authenticated: true, note: 'password', bind: proxyBind },
  },
  pipeline: {
    status: web('consumer status', 'read-only status JSON (errors as classes, no hosts or users)'),
    warnerStatus: web('flow warner status', 'read-only status JSON (errors as classes, no hosts or users)'),
  },
  dashboard: { http: { ...web('big screen, query page, JSON API', 'read-only: every passage, alert and count the pipeline stored'), bind: dashboardBind } },
};

/** Port numbers back to their names: a daemon lists numbers; the module's spec names them. */
function portName(inv: Inventory, service: string, port: number): string {
  const found = Object.entries(inv.services[service]?.ports ?? {}).find(([, p]) => p === port);
  return found ? found[0] : String(port);
}

/** Per node (inventory order), every listener of every daemon etclab starts there, by port. */
export function listenersOf(inv: Inventory, modules: ServiceModule[]): Listener[] {
  const out: Listener[] = [];
  for (const d of daemonsOf(inv, modules)) {
    for (const port of d.daemon.ports) {
      const name = portName(inv, d.service, port);
      const about = ABOUT[d.service]?.[name];
      out.push({
        node: d.node.name,
        address: d.node.address,
        service: d.service,
        role: d.role,
        port,
        portName: name,
        what: about?.what ?? name,
        protocol: about?.protocol ?? 'TCP',
        bind: about?.bind ? about.bind(d) : d.node.address,
        // Unknown is unauthenticated: the firewall advice must not leave a port out for lack of a description.
        authenticated: about?.authenticated ?? false,
        note: about?.note ?? 'not described (provision/plan/listeners.ts)',
      });
    }
  }
  const order = new Map(inv.nodes.map((n, i) => [n.name, i]));
  return out.sort((a, b) => order.get(a.node)! - order.get(b.node)! || a.port - b.port);
}

const WILDCARDS = new Set(['0.0.0.0', '::', '*']);

/**
 * nftables rules for every node: the unauthenticated ports (and any port bound to every interface) accept only
 * the cluster's own addresses, loopback and the `operators` set; everything else on them is dropped.
 */
export function nftRules(inv: Inventory, listeners: Listener[]): string {
  const guarded = [...new Set(listeners.filter((l) => !l.authenticated || WILDCARDS.has(l.bind)).map((l) => l.port))].sort((a, b) => a - b);
  const addresses = inv.nodes.map((n) => n.address);
  return [
    `# ${inv.cluster}: load on every node with \`nft -f FILE\`. Host names are resolved once, when loaded.`,
    'table inet etclab {',
    '  set cluster {',
    '    type ipv4_addr',
    `    elements = { ${addresses.join(', ')} }`,
    '  }',
    '  # Your workstation and the big screen: add them, e.g. nft add element inet etclab operators { 192.0.2.10 }',
    '  set operators {',
    '    type ipv4_addr',
    '    flags interval',
    '  }',
    '  chain input {',
    '    type filter hook input priority filter; policy accept;',
    `    tcp dport { ${guarded.join(', ')} } jump guarded`,
    '  }',
    '  chain guarded {',
    '    iif "lo" accept',
    '    ip saddr @cluster accept',
    '    ip saddr @operators accept',
    '    drop',
    '  }',
    '}',
  ].join('\n');
}
