// `m`: Kafka rates and lag, flow sparklines, newest alerts, HDFS/HBase/Flink figures; each source's failure
// shows in its own lines.
import { Box } from 'ink';
import type { MetricsSnapshot } from '../metrics/types.ts';
import { metricsLines, type MetricLine } from './metrics-lines.ts';
import { Line } from './Line.tsx';

const COLOR: Record<NonNullable<MetricLine['tone']>, string> = { title: 'cyan', error: 'red', absent: 'gray', warn: 'yellow' };

export function MetricsView({ snapshot, width, height }: { snapshot: MetricsSnapshot; width: number; height: number }) {
  return (
    <Box flexDirection="column" height={height}>
      {metricsLines(snapshot, width, height).map((l, i) => (
        <Line key={i} text={l.text} width={width} color={l.tone ? COLOR[l.tone] : undefined} bold={l.tone === 'title'} />
      ))}
    </Box>
  );
}
