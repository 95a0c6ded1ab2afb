// End to end on the lab: the whole data set replayed into etc_traffic_data and carried by the pipeline
// into HBase, MySQL (through the proxy) and Redis. Events/s from the first produce to the last commit,
// consumer lag over time, the consumers' peak RSS and their clone detectors' state.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runReplay, DEFAULT_TOPIC } from '../pipeline/replay/run.ts';
import { loadInventory } from '../provision/inventory/load.ts';
import { serviceModules } from '../provision/services/registry.ts';
import { labInventoryPath } from '../provision/lab/lab.ts';
import { buildResetPlan } from '../provision/reset/plan.ts';
import { runPlan } from '../provision/executors/direct/run.ts';
import { groupView } from '../provision/services/pipeline/probe.ts';
import { waitCaughtUp } from '../test/pipeline-results.ts';
import { cpuByService, cpuSpent } from './daemon-cpu.ts';
import { serviceHome } from '../provision/plan/build.ts';
import { daemonPaths } from '../provision/plan/daemon-scripts.ts';

const peakRss = (pidFile: string): number => {
  const status = readFileSync(`/proc/${readFileSync(pidFile, 'utf8').trim()}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
};

export async function benchPipeline(): Promise<Record<string, number | string>> {
  if (process.getuid?.() !== 0) throw new Error('needs root for the lab (sudo npm run bench)');
  const inv = await loadInventory(labInventoryPath(), serviceModules);
  const spec = inv.services.pipeline;
  if (!spec || !inv.services.kafka) throw new Error('no pipeline in the lab inventory (etclab lab up writes it)');
  const brokers = inv.services.kafka.roles.broker.map((n) => `${inv.nodes.find((x) => x.name === n)!.address}:${inv.services.kafka!.ports.broker}`);
  const consumers = (spec.roles.consumer ?? []).map((n) => inv.nodes.find((x) => x.name === n)!);
  // From empty stores and freshly started consumers, like a user between experiments.
  const reset = await runPlan(inv, buildResetPlan(inv), { log: () => {} });
  if (!reset.ok) throw new Error(`reset before the run failed: see ${reset.runDir}`);
  const dir = await mkdtemp(join(tmpdir(), 'etclab-bench-pipeline-'));
  try {
    const cpu0 = cpuByService(inv);
    const self0 = process.cpuUsage();
    const t0 = Date.now();
    const replay = await runReplay({ topic: DEFAULT_TOPIC, brokers, rate: 0, stateFile: join(dir, 'state.json'), quarantineDir: join(dir, 'q') });
    const produced = (Date.now() - t0) / 1000;
    let detector = { plates: 0, passages: 0, bytesEstimate: 0 };
    const series = await waitCaughtUp(3_600_000, (lag, ms) => {
      if (Math.round(ms / 2000) % 15 === 0) process.stderr.write(`  lag ${lag} records at +${Math.round(produced + ms / 1000)} s\n`);
    });
    const wall = (Date.now() - t0) / 1000;
    const cpu = cpuSpent(cpu0, cpuByService(inv));
    const self = process.cpuUsage(self0);
    const storeMs = { hbase: 0, redis: 0, mysql: 0 };
    const view = await groupView(consumers.map((n) => ({ node: n.name, host: n.address, port: spec.ports.status })));
    for (const c of view.consumers) {
      const d = (c.status?.detector ?? {}) as typeof detector;
      detector = { plates: detector.plates + (d.plates ?? 0), passages: detector.passages + (d.passages ?? 0), bytesEstimate: detector.bytesEstimate + (d.bytesEstimate ?? 0) };
      const m = (c.status?.storeMs ?? {}) as Partial<typeof storeMs>;
      for (const k of ['hbase', 'redis', 'mysql'] as const) storeMs[k] += m[k] ?? 0;
    }
    const rss = consumers.map((n) => peakRss(daemonPaths(serviceHome(n, 'pipeline'), 'consumer').pid));
    // Lag every ~30 s after the replay finished: how fast the backlog drains.
    const lagOverTime = series.filter((_, i) => i % 15 === 0).map(([ms, lag]) => `+${Math.round(produced + ms / 1000)}s:${lag}`).join(' ');
    return {
      events: replay.sent,
      produce_s: produced,
      end_to_end_wall_s: wall,
      end_to_end_events_per_s: replay.sent / wall,
      lag_at_replay_end: series[0]![1],
      lag_over_time: lagOverTime,
      consumer_peak_rss_mib_max: Math.max(...rss) / 1048576,
      consumer_peak_rss_mib_total: rss.reduce((a, b) => a + b, 0) / 1048576,
      detector_plates_held: detector.plates,
      detector_passages_held: detector.passages,
      detector_state_kib: detector.bytesEstimate / 1024,
      // Summed over the consumers (they write in parallel): each store's share of the consumers' write time.
      store_write_s: Object.entries(storeMs).map(([k, v]) => `${k}:${(v / 1000).toFixed(1)}`).join(' '),
      // Where the cores went during the run (wall × cores is all there was); the replay producer is this process.
      cpu_s_by_service: [...cpu.map(([s, v]) => `${s}:${v.toFixed(1)}`), `replay(this process):${((self.user + self.system) / 1e6).toFixed(1)}`].join(' '),
      cpu_share_of_machine: (cpu.reduce((a, [, v]) => a + v, 0) + (self.user + self.system) / 1e6) / (wall * availableParallelism()),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
