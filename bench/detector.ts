// Throughput and state size of the stream logic (window + clone detectors A/B + flow warnings) over
// the whole ETC data set, replayed in event-time order as the producer should send it.
// Run: node --import tsx bench/detector.ts
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloneDetector, fixedRule, learnPairThresholds, learnedRule } from '../pipeline/core/clone-detector.ts';
import { EwmaFlowDetector } from '../pipeline/core/flow-warning.ts';
import { defaultDataDir, loadPassagesDir } from '../pipeline/core/passage.ts';
import { MinuteWindow, type MinuteCount } from '../pipeline/core/window.ts';

const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));

export async function benchDetector(dataDir = process.env.ETC_DATA_DIR ?? defaultDataDir(REPO)): Promise<Record<string, number>> {
  const t0 = performance.now();
  const fileOrder = loadPassagesDir(dataDir);
  const loadMs = performance.now() - t0;
  // Array.prototype.sort is stable: equal timestamps keep file order.
  const input = [...fileOrder].sort((a, b) => a.eventTime - b.eventTime);

  const t1 = performance.now();
  const table = learnPairThresholds(input);
  const learnMs = performance.now() - t1;

  const window = new MinuteWindow();
  const flow = new EwmaFlowDetector();
  const detA = new CloneDetector(fixedRule());
  const detB = new CloneDetector(learnedRule(table));
  let alertsA = 0, alertsB = 0, warnings = 0, minutes = 0;
  let maxPlates = 0, maxBytes = 0;
  const onMinutes = (cs: MinuteCount[]) => {
    for (const c of cs) {
      minutes++;
      if (flow.observe(c.checkpoint, c.minute, c.count)) warnings++;
    }
  };
  const t2 = performance.now();
  for (let i = 0; i < input.length; i++) {
    const p = input[i]!;
    onMinutes(window.observe(p).closed);
    alertsA += detA.observe(p).length;
    alertsB += detB.observe(p).length;
    if ((i & 255) === 0) {
      const s = detA.stats();
      maxPlates = Math.max(maxPlates, s.plates);
      maxBytes = Math.max(maxBytes, s.bytesEstimate + detB.stats().bytesEstimate);
    }
  }
  onMinutes(window.flush());
  const runMs = performance.now() - t2;

  const a = detA.stats(), b = detB.stats();
  return {
    events: input.length,
    loadMs: Math.round(loadMs),
    learnRuleBMs: Math.round(learnMs),
    runMs: Math.round(runMs),
    eventsPerSec: Math.round(input.length / (runMs / 1000)),
    alertsRuleA: alertsA,
    alertsRuleB: alertsB,
    ruleBPairsLearned: table.pairs.size,
    ruleBPairsMinThresholdSec: Math.round(Math.min(...[...table.pairs.values()].map((v) => v.thresholdMs)) / 1000),
    ruleBPairsMaxThresholdSec: Math.round(Math.max(...[...table.pairs.values()].map((v) => v.thresholdMs)) / 1000),
    flowWarnings: warnings,
    checkpointMinutes: minutes,
    lateWindowEvents: window.stats().late,
    lateDetectorEvents: a.late,
    platesHeldMax: maxPlates,
    platesHeldEnd: a.plates,
    passagesHeldEndA: a.passages,
    passagesHeldEndB: b.passages,
    stateBytesEstimateMax: maxBytes,
    heapUsedMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  benchDetector().then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
