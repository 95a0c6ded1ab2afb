// Fixed inputs for the component tests and the README's sample screen: a lab with a stopped Redis and an
// unreachable node3, and a metrics snapshot with lag, flow, alerts and one failing source.
import type { ClusterStatus, DaemonStatus } from '../../provision/status/status.ts';
import type { MetricsSnapshot } from '../metrics/types.ts';

const d = (node: string, service: string, over: Partial<DaemonStatus> = {}): DaemonStatus => ({
  node, service, role: 'server', state: 'running', pid: 4000, ports: [], healthy: true, health: 'ok', uptimeSec: 3725, staleConfig: false, ...over,
});

const SSH_DOWN = 'node3: SSH to root@10.213.7.13:22 failed: connect ECONNREFUSED 10.213.7.13:22';

export const sampleStatus: ClusterStatus = {
  at: '2024-05-01T06:30:12.000Z',
  daemons: [
    d('node1', 'zookeeper', { pid: 2101, ports: [2181, 2888, 3888], health: 'follower, 3 clients' }),
    d('node2', 'zookeeper', { pid: 2245, ports: [2181, 2888, 3888], health: 'leader, 1 clients' }),
    d('node3', 'zookeeper', { state: 'unreachable', pid: null, ports: [2181, 2888, 3888], healthy: false, health: SSH_DOWN, uptimeSec: null }),
    d('node1', 'redis', { state: 'stopped', pid: null, ports: [6379], healthy: false, health: 'not running', uptimeSec: null }),
    d('node1', 'mariadb', { pid: 3310, ports: [3306], health: 'SELECT 1 as etc ok (10.6.18)', uptimeSec: 86_400 * 2 + 3600 }),
    d('node2', 'mariadb', { pid: 3391, ports: [3306], health: 'SELECT 1 as etc ok (10.6.18)', staleConfig: true, uptimeSec: 59 }),
    d('node3', 'mariadb', { state: 'unreachable', pid: null, ports: [3306], healthy: false, health: SSH_DOWN, uptimeSec: null }),
  ],
  services: [
    { service: 'zookeeper', healthy: false, detail: 'node3 server not healthy' },
    { service: 'redis', healthy: false, detail: 'node1 server not healthy' },
    { service: 'mariadb', healthy: false, detail: 'node3 server not healthy' },
  ],
};

const minute0 = Date.UTC(2023, 11, 8, 16, 0, 0); // 2023-12-09 00:00 Beijing
const flow = Array.from({ length: 30 }, (_, i) => ({
  minute: minute0 + i * 60_000,
  counts: { 'G3-K731-省际卡口': 10 + i, 'S69-K12-市际卡口': 30 - i, 'G104-K873-省际卡口': i % 5 === 0 ? 20 : 4 } as Record<string, number>,
}));

export const sampleMetrics: MetricsSnapshot = {
  kafka: {
    state: 'ok',
    data: {
      produceRate: 512.3,
      consumeRate: 498.0,
      lag: [
        { group: 'etc-flink', topic: 'etc_traffic_data', partition: 0, lag: 14 },
        { group: 'etc-flink', topic: 'etc_traffic_data', partition: 1, lag: 230 },
        { group: 'etc-redis', topic: 'etc_traffic_data', partition: 0, lag: 0 },
      ],
    },
  },
  dashboard: {
    state: 'ok',
    data: {
      clock: flow.at(-1)!.minute + 42_000,
      total: 12_345,
      boundary: {},
      county: {},
      vehicleType: {},
      topCheckpoints: [],
      flow,
      alertCounts: { clone_A: 3, flow_high: 1 },
      recentClones: [
        {
          id: 'clone:A:1:2', rule: 'A', plate: '苏C08***', gapMs: 123_000, thresholdMs: 600_000,
          first: { gcxh: '1', checkpoint: 'G3-K731-省际卡口', eventTime: minute0 + 20 * 60_000 },
          second: { gcxh: '2', checkpoint: 'S69-K12-市际卡口', eventTime: minute0 + 22 * 60_000 + 3000 },
        },
      ],
      recentWarnings: [{ checkpoint: 'G104-K873-省际卡口', minute: minute0 + 25 * 60_000, count: 20, direction: 'high', baseline: 6.2, threshold: 15, sd: 3 }],
    },
  },
  cluster: {
    hdfs: { state: 'ok', data: { liveDataNodes: 3, deadDataNodes: 0 } },
    hbase: { state: 'error', error: 'http://10.213.7.11:16010/jmx?qry=…: ECONNREFUSED' },
    flink: { state: 'absent', reason: 'flink is not deployed (not in the inventory)' },
  },
};
