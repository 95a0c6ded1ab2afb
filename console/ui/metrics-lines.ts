// The metrics view as lines of text, computed from one snapshot (pure: the Ink view only colours them).
import type { DashboardSnapshot } from '../../pipeline/core/dashboard.ts';
import { formatBeijingTime } from '../../pipeline/core/passage.ts';
import { sparkline } from '../format/sparkline.ts';
import { fit, textWidth } from '../format/text-width.ts';
import type { KafkaFigures, MetricsSnapshot, Panel } from '../metrics/types.ts';

export interface MetricLine {
  text: string;
  tone?: 'title' | 'error' | 'absent' | 'warn';
}

const rate = (r: number | null) => (r === null ? '…' : r < 10 ? r.toFixed(1) : r.toFixed(0));

/** Shows a panel that did not load: its error, why it is absent, or that it is loading. */
function notOk<T>(p: Panel<T>): MetricLine | null {
  if (p.state === 'error') return { text: `  error: ${p.error}`, tone: 'error' };
  if (p.state === 'absent') return { text: `  not deployed: ${p.reason}`, tone: 'absent' };
  if (p.state === 'loading') return { text: '  loading…', tone: 'absent' };
  return null;
}

export function kafkaLines(p: Panel<KafkaFigures>, maxRows: number): MetricLine[] {
  const head = p.state === 'ok' ? `Kafka: produce ${rate(p.data.produceRate)} ev/s · consume ${rate(p.data.consumeRate)} ev/s` : 'Kafka';
  const out: MetricLine[] = [{ text: head, tone: 'title' }];
  const bad = notOk(p);
  if (bad) return [...out, bad];
  const lag = (p as Extract<typeof p, { state: 'ok' }>).data.lag;
  if (!lag.length) return [...out, { text: '  no consumer group has committed offsets yet', tone: 'absent' }];
  const byGroup = new Map<string, number>();
  for (const l of lag) byGroup.set(l.group, (byGroup.get(l.group) ?? 0) + l.lag);
  out.push({ text: `  lag: ${[...byGroup].map(([g, n]) => `${g} ${n}`).join(' · ')}` });
  // Worst partitions first: those are the ones to look at.
  const worst = [...lag].sort((a, b) => b.lag - a.lag).slice(0, Math.max(0, maxRows - 2));
  const line = worst.map((l) => `${l.group} ${l.topic}[${l.partition}] ${l.lag}`).join(' · ');
  if (line) out.push({ text: `  top: ${line}`, tone: worst[0].lag > 0 ? 'warn' : undefined });
  return out;
}

export function flowLines(p: Panel<DashboardSnapshot>, width: number, maxRows: number): MetricLine[] {
  const d = p.state === 'ok' ? p.data : null;
  const minutes = d?.flow.length ?? 0;
  const title = d?.clock ? `Flow per checkpoint, last ${minutes} min to ${formatBeijingTime(d.clock).slice(0, 16)} (event time)` : 'Flow per checkpoint';
  const out: MetricLine[] = [{ text: title, tone: 'title' }];
  const bad = notOk(p);
  if (bad) return [...out, bad];
  if (!d || d.clock === null) return [...out, { text: '  no passages in Redis yet (start a replay with p)', tone: 'absent' }];
  const totals = new Map<string, number>();
  for (const m of d.flow) for (const [cp, n] of Object.entries(m.counts)) totals.set(cp, (totals.get(cp) ?? 0) + n);
  const top = [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, maxRows);
  if (!top.length) return [...out, { text: `  no passages in the last ${minutes} minutes`, tone: 'absent' }];
  const sparkW = Math.min(minutes, Math.max(8, width - 2 - 22 - 12));
  const nameW = Math.max(10, Math.min(...[width - 2 - sparkW - 12, Math.max(...top.map(([cp]) => textWidth(cp)))]));
  for (const [cp] of top) {
    const series = d.flow.map((m) => m.counts[cp] ?? 0);
    out.push({ text: `  ${fit(cp, nameW)} ${sparkline(series, sparkW)} ${String(series.at(-1)).padStart(4)}/min` });
  }
  return out;
}

const clock = (ms: number) => formatBeijingTime(ms).slice(11, 19);
const dur = (ms: number) => (ms < 60_000 ? `${Math.round(ms / 1000)}s` : `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`);

export function alertLines(p: Panel<DashboardSnapshot>, maxRows: number): MetricLine[] {
  const d = p.state === 'ok' ? p.data : null;
  const counts = d ? Object.entries(d.alertCounts).map(([k, n]) => `${k} ${n}`).join(' · ') : '';
  const out: MetricLine[] = [{ text: `Alerts${counts ? ` (${counts})` : ''}`, tone: 'title' }];
  const bad = notOk(p);
  if (bad) return [...out, bad];
  const items = [
    ...d!.recentClones.map((a) => ({
      at: a.second.eventTime,
      text: `${clock(a.second.eventTime)} clone ${a.rule} ${a.plate} ${a.first.checkpoint} → ${a.second.checkpoint} in ${dur(a.gapMs)}`,
    })),
    ...d!.recentWarnings.map((w) => ({
      at: w.minute,
      text: `${clock(w.minute)} flow ${w.direction} ${w.checkpoint} ${w.count}/min (baseline ${w.baseline.toFixed(0)})`,
    })),
  ]
    .sort((a, b) => b.at - a.at)
    .slice(0, maxRows);
  if (!items.length) return [...out, { text: '  none yet', tone: 'absent' }];
  return [...out, ...items.map((i) => ({ text: `  ${i.text}`, tone: 'warn' as const }))];
}

export function clusterLine(c: MetricsSnapshot['cluster']): MetricLine[] {
  const part = <T,>(name: string, p: Panel<T>, ok: (d: T) => string) =>
    p.state === 'ok' ? `${name} ${ok(p.data)}` : p.state === 'error' ? `${name} error: ${p.error}` : p.state === 'absent' ? `${name} not deployed` : `${name} …`;
  const items = [
    part('HDFS', c.hdfs, (d) => `${d.liveDataNodes} live DataNodes${d.deadDataNodes ? ` (${d.deadDataNodes} dead)` : ''}`),
    part('HBase', c.hbase, (d) => `${d.regionServers} RegionServers${d.deadRegionServers ? ` (${d.deadRegionServers} dead)` : ''}`),
    part('Flink', c.flink, (d) => `${d.taskManagers} TaskManagers, ${d.jobsRunning} running job${d.jobsRunning === 1 ? '' : 's'}${d.jobsFailed ? `, ${d.jobsFailed} failed` : ''}`),
  ];
  const anyErr = [c.hdfs, c.hbase, c.flink].some((p) => p.state === 'error');
  // Errors are long (URL + cause): one line per service then, so each keeps its own line.
  return anyErr ? items.map((t) => ({ text: t, tone: /error/.test(t) ? ('error' as const) : undefined })) : [{ text: items.join(' · ') }];
}

/** The whole view within `height` lines: cluster, Kafka, flow, alerts. */
export function metricsLines(s: MetricsSnapshot, width: number, height: number): MetricLine[] {
  const cluster = clusterLine(s.cluster);
  const kafka = kafkaLines(s.kafka, 4);
  const left = height - cluster.length - kafka.length;
  const alertRows = Math.max(1, Math.min(6, Math.floor((left - 2) / 2)));
  const flow = flowLines(s.dashboard, width, Math.max(1, left - 2 - alertRows));
  const alerts = alertLines(s.dashboard, alertRows);
  return [...cluster, ...kafka, ...flow, ...alerts].slice(0, height);
}
