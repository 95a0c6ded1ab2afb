// `f`: the Flink jobs the JobManager knows, newest first, with a selection the job keys act on.
import { Box } from 'ink';
import type { JobView } from '../actions.ts';
import { formatRow, layoutColumns, visibleWindow } from '../format/table-layout.ts';
import { JOB_COLUMNS, jobCells, jobTone, type JobTone } from '../format/job-table.ts';
import { Line, Rule } from './Line.tsx';

const TONE: Record<JobTone, string | undefined> = { ok: 'green', failed: 'red', ended: 'gray', busy: 'yellow' };

export interface JobsViewProps {
  jobs: JobView[] | null;
  error: string | null;
  selected: number;
  width: number;
  height: number;
  now?: number;
}

export function JobsView({ jobs, error, selected, width, height, now = Date.now() }: JobsViewProps) {
  const title = `Flink jobs${jobs ? ` · ${jobs.filter((j) => j.state === 'RUNNING').length} running of ${jobs.length}` : ''}`;
  if (!jobs || error)
    return (
      <Box flexDirection="column" height={height}>
        <Rule title={title} width={width} color="cyan" />
        <Line text={error ? `the JobManager does not answer: ${error}` : 'reading jobs from the JobManager…'} width={width} color={error ? 'red' : undefined} />
      </Box>
    );
  if (!jobs.length)
    return (
      <Box flexDirection="column" height={height}>
        <Rule title={title} width={width} color="cyan" />
        <Line text="no jobs on the cluster: etclab flink run JAR submits one" width={width} dim />
      </Box>
    );
  const rows = jobs.map((j) => jobCells(j, now));
  const widths = layoutColumns(JOB_COLUMNS, rows, width - 2);
  const { start, end } = visibleWindow(rows.length, selected, Math.max(1, height - 2));
  return (
    <Box flexDirection="column" height={height}>
      <Rule title={title} width={width} color="cyan" />
      <Line text={`  ${formatRow(JOB_COLUMNS.map((c) => c.header), widths, JOB_COLUMNS)}`} width={width} bold />
      {rows.slice(start, end).map((cells, i) => {
        const idx = start + i;
        const sel = idx === selected;
        return <Line key={jobs[idx]!.id} text={`${sel ? '▶ ' : '  '}${formatRow(cells, widths, JOB_COLUMNS)}`} width={width} color={TONE[jobTone(jobs[idx]!)]} inverse={sel} pad={sel} />;
      })}
    </Box>
  );
}
