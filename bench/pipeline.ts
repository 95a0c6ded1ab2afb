// End to end on the lab: the whole data set replayed into etc_traffic_data and carried by the pipeline
// into HBase, MySQL (through the proxy) and Redis. Events/s from the first produce to the last commit,
// consumer lag over time, the consumers' peak RSS and their clone detectors' state. In the same run, from
// the same replay, the ETC Flink job template (jobs/flink) counts per checkpoint and minute: events/s from
// the first produce to its last output, side by side (the two share the machine's cores).
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
import { flowCounts, readPassages } from '../test/reference/etc-reference.ts';
import { expandInputs, DEFAULT_DATA_DIR } from '../pipeline/data/inputs.ts';
import { FLINK_FLOW_TOPIC } from '../pipeline/contract/index.ts';
import { cancelJob, runJob } from '../ops/flink.ts';
import { Kafka, logLevel } from 'kafkajs';
import { topicOffsets } from '../pipeline/kafka/topic-offsets.ts';
import { existsSync } from 'node:fs';
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
  // The job reads the replay in event-time order: a minute's bound is plenty; 10 s of quiet ends it.
  const jar = 'jobs/flink/target/etc-flink-job.jar';
  const QUIET_S = 10;
  const job = inv.services.flink && existsSync(jar)
    ? await runJob(inv, jar, { args: ['--brokers', brokers.join(','), '--watermark-bound-sec', '60', '--quiet-sec', String(QUIET_S)], wait: true })
    : null;
  const expectedMinutes = job ? flowCounts(readPassages(await expandInputs([DEFAULT_DATA_DIR]))).size : 0;
  try {
    const cpu0 = cpuByService(inv);
    const self0 = process.cpuUsage();
    const t0 = Date.now();
    // Watched from the start, side by side with the pipeline: the job's last output is timed when it comes.
    const flinkDone = job ? flinkLastOutput(brokers, expectedMinutes, 1_800_000) : null;
    const replay = await runReplay({ topic: DEFAULT_TOPIC, brokers, rate: 0, stateFile: join(dir, 'state.json'), quarantineDir: join(dir, 'q') });
    const produced = (Date.now() - t0) / 1000;
    let detector = { plates: 0, passages: 0, bytesEstimate: 0 };
    const series = await waitCaughtUp(3_600_000, (lag, ms) => {
      if (Math.round(ms / 2000) % 15 === 0) process.stderr.write(`  lag ${lag} records at +${Math.round(produced + ms / 1000)} s\n`);
    });
    const wall = (Date.now() - t0) / 1000;
    const flinkWall = flinkDone ? (await flinkDone) - t0 : NaN;
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
      flink_job: job ? `template job ${job.jobId}: ${expectedMinutes} checkpoint-minutes out` : `not run (${existsSync(jar) ? 'no flink in the inventory' : `no ${jar}: npm run build:job`})`,
      flink_end_to_end_wall_s: flinkWall / 1000,
      flink_end_to_end_events_per_s: replay.sent / (flinkWall / 1000),
      // Its last windows close after the quiet that ends a bounded replay; without that wait:
      flink_events_per_s_without_quiet: replay.sent / (flinkWall / 1000 - QUIET_S),
    };
  } finally {
    if (job) await cancelJob(inv, job.jobId).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

/** When the job's flow topic holds `expected` lines (one per checkpoint-minute): the epoch ms it got there. */
async function flinkLastOutput(brokers: string[], expected: number, timeoutMs: number): Promise<number> {
  const admin = new Kafka({ brokers, clientId: 'etclab-bench', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const until = Date.now() + timeoutMs;
    let n = 0;
    while (Date.now() < until) {
      n = (await topicOffsets(admin, FLINK_FLOW_TOPIC).catch(() => [])).reduce((a, p) => a + p.high - p.low, 0);
      if (n >= expected) return Date.now();
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`the Flink job wrote ${n}/${expected} checkpoint-minutes within ${timeoutMs / 1000} s`);
  } finally {
    await admin.disconnect();
  }
}
