// The console: health table + action/log panel, metrics view, help; every key acts on the selected row.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Box, useApp, useInput, type Key } from 'ink';
import type { ClusterStatus } from '../../provision/status/status.ts';
import type { ActionOutcome, ProgressLog } from '../actions.ts';
import { parseFiles, parsePace } from '../actions.ts';
import type { ConsoleSources } from '../live.ts';
import { loadingSnapshot, type MetricsSnapshot } from '../metrics/types.ts';
import { legendLines } from '../format/key-legend.ts';
import { usePolled } from './use-polled.ts';
import { useSyncState } from './use-sync-state.ts';
import { StatusTable } from './StatusTable.tsx';
import { TextPanel } from './TextPanel.tsx';
import { KeyLegend } from './KeyLegend.tsx';
import { HelpView } from './HelpView.tsx';
import { MetricsView } from './MetricsView.tsx';
import { Line } from './Line.tsx';
import { JOBS_KEYS, MAIN_KEYS, METRICS_KEYS } from './keys.ts';
import { JobsView } from './JobsView.tsx';
import type { JobView } from '../actions.ts';
import { countStatus, healthText, serviceLabel } from './status-rows.ts';

export interface ConsoleAppProps extends ConsoleSources {
  width: number;
  /** Lines to draw: one less than the terminal's rows, so Ink updates in place instead of clearing. */
  height: number;
  refreshMs?: number;
  metricsRefreshMs?: number;
  logRefreshMs?: number;
  onQuit?: () => void;
}

type Prompt =
  | { kind: 'confirm-reset' }
  | { kind: 'replay-files'; value: string }
  | { kind: 'replay-pace'; value: string; files: string[] };

interface Progress {
  title: string;
  lines: string[];
  running: boolean;
  ok: boolean | null;
  status?: string;
}

const MAX_PROGRESS_LINES = 300;

const timeOf = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toTimeString().slice(0, 8);
};

export function ConsoleApp(props: ConsoleAppProps) {
  const { width, height, actions } = props;
  const { exit } = useApp();
  const [selected, setSelected, selectedR] = useSyncState(0);
  const [view, setView, viewR] = useSyncState<'main' | 'metrics' | 'jobs'>('main');
  const [jobSel, setJobSel, jobSelR] = useSyncState(0);
  const [help, setHelp, helpR] = useSyncState(false);
  const [panel, setPanel] = useSyncState<'none' | 'progress' | 'log'>('none');
  const [progress, setProgress] = useState<Progress | null>(null);
  const [prompt, setPrompt, promptR] = useSyncState<Prompt | null>(null);
  const busy = useRef<string | null>(null);

  const status = usePolled<ClusterStatus>(props.loadStatus, props.refreshMs ?? 3000);
  const daemons = status.data?.daemons ?? [];
  const sel = daemons[Math.min(selected, Math.max(0, daemons.length - 1))];
  const daemonsR = useRef(daemons);
  daemonsR.current = daemons;
  useEffect(() => {
    if (daemons.length && selected >= daemons.length) setSelected(daemons.length - 1);
  }, [daemons.length, selected]);

  const logKey = sel ? `${sel.node}/${sel.service}/${sel.role}` : '';
  const readLog = props.readLog;
  const loadLog = useCallback(() => (sel ? readLog(sel) : Promise.resolve('')), [readLog, logKey]); // eslint-disable-line react-hooks/exhaustive-deps
  const log = usePolled<string>(panel === 'log' && view === 'main' && sel ? loadLog : null, props.logRefreshMs ?? 3000, logKey);
  const metrics = usePolled<MetricsSnapshot>(view === 'metrics' ? () => props.metrics.read() : null, props.metricsRefreshMs ?? 5000);
  const flink = actions.flink;
  const jobs = usePolled<JobView[]>(view === 'jobs' && flink ? () => flink.jobs() : null, props.refreshMs ?? 3000);
  const jobsR = useRef(jobs);
  jobsR.current = jobs;

  const append: ProgressLog = useCallback((line: string) => {
    setProgress((p) => (p ? { ...p, lines: [...p.lines, ...line.split('\n')].slice(-MAX_PROGRESS_LINES) } : p));
  }, []);

  const run = useCallback(
    (title: string, fn: (log: ProgressLog) => Promise<ActionOutcome>, after?: (o: ActionOutcome) => void) => {
      if (busy.current) {
        setPanel('progress');
        append(`busy: "${busy.current}" is still running; wait for it to finish`);
        return;
      }
      busy.current = title;
      setPanel('progress');
      setProgress({ title, lines: [], running: true, ok: null });
      fn(append)
        .then((o) => {
          setProgress((p) => p && { ...p, lines: [...p.lines, ...o.summary.split('\n')].slice(-MAX_PROGRESS_LINES), running: false, ok: o.ok, status: undefined });
          after?.(o);
        })
        .catch((e: Error) => {
          setProgress((p) => p && { ...p, lines: [...p.lines, `error: ${e.message}`], running: false, ok: false, status: undefined });
        })
        .finally(() => {
          busy.current = null;
          status.refresh();
          jobsR.current.refresh();
        });
    },
    [append, status],
  );

  const notAvailable = (what: 'reset' | 'replay'): boolean => {
    const why = actions.unavailable?.[what];
    if (!why) return false;
    setPanel('progress');
    setProgress({ title: what, lines: [`not available: ${why}`], running: false, ok: false });
    return true;
  };

  const quit = () => {
    props.onQuit?.();
    exit();
  };

  // Ink re-binds the handler only after a render's effects run: route through a ref so a key that arrives
  // in between still reaches the current handler, which reads state through refs (useSyncState).
  const handler = useRef<(input: string, key: Key) => void>(() => {});
  handler.current = (input, key) => {
    // Keys typed faster than a frame (or sent by tmux) arrive as one chunk: act on each in turn.
    if (!promptR.current && input.length > 1 && !key.ctrl && !key.meta) {
      const chars = [...input];
      for (let i = 0; i < chars.length; i++) {
        if (onKey(chars[i], key) === 'prompt') {
          setPrompt({ kind: 'replay-files', value: chars.slice(i + 1).join('') });
          return;
        }
      }
      return;
    }
    onKey(input, key);
  };
  const onInput = useCallback((input: string, key: Key) => handler.current(input, key), []);
  useInput(onInput);

  function onKey(input: string, key: Key): 'prompt' | void {
    const prompt = promptR.current;
    if (prompt) {
      if (key.escape) return setPrompt(null);
      if (prompt.kind === 'confirm-reset') {
        if (input === 'y' || input === 'Y') {
          setPrompt(null);
          run('reset', (l) => actions.reset(false, l));
        } else if (input === 'n' || input === 'N') {
          setPrompt(null);
          append('reset cancelled: nothing was changed');
        }
        return;
      }
      if (key.return) {
        if (prompt.kind === 'replay-files') return setPrompt({ kind: 'replay-pace', value: '60', files: parseFiles(prompt.value) });
        const pace = parsePace(prompt.value);
        if (pace === null) return setPrompt({ ...prompt, value: '' });
        setPrompt(null);
        const files = prompt.files;
        run(`replay ${files.length ? files.join(', ') : 'the shared data set'} at ${pace ? `${pace}x` : 'full speed'}`, (l) =>
          actions.replay({ files, pace }, (p) => setProgress((s) => s && { ...s, status: p.detail ?? `sent ${p.sent}${p.total ? `/${p.total}` : ''}` }), l),
        );
        return;
      }
      if (key.backspace || key.delete) return setPrompt({ ...prompt, value: prompt.value.slice(0, -1) });
      if (input && !key.ctrl && !key.meta) setPrompt({ ...prompt, value: prompt.value + input });
      return;
    }
    if (input === 'q') return quit();
    if (input === '?') return setHelp((h) => !h);
    if (helpR.current) {
      if (key.escape) setHelp(false);
      return;
    }
    if (viewR.current === 'metrics') {
      if (input === 'm' || key.escape) setView('main');
      return;
    }
    if (viewR.current === 'jobs') return onJobKey(input, key);
    if (key.downArrow || input === 'j') return setSelected((s) => Math.min(s + 1, Math.max(0, daemonsR.current.length - 1)));
    if (key.upArrow || input === 'k') return setSelected((s) => Math.max(0, s - 1));
    if (input === 'm') return setView('metrics');
    if (input === 'f') {
      if (!actions.flink) {
        setPanel('progress');
        setProgress({ title: 'flink jobs', lines: ['not available: the inventory has no Flink (services.flink)'], running: false, ok: false });
        return;
      }
      setPanel('none');
      return setView('jobs');
    }
    if (key.escape) return setPanel('none');
    if (input === 'l') return setPanel((p) => (p === 'log' ? 'none' : 'log'));
    if (input === 'R') {
      if (notAvailable('reset')) return;
      run('reset (dry run)', (l) => actions.reset(true, l), (o) => o.ok && setPrompt({ kind: 'confirm-reset' }));
      return;
    }
    if (input === 'p') {
      if (notAvailable('replay')) return;
      setPrompt({ kind: 'replay-files', value: '' });
      return 'prompt';
    }
    const rows = daemonsR.current;
    const sel = rows[Math.min(selectedR.current, rows.length - 1)];
    if (!sel) return;
    const where = `${sel.service} on ${sel.node}`;
    if (input === 's') return run(`start ${where}`, (l) => actions.start(sel.service, sel.node, l));
    if (input === 'x') return run(`stop ${where}`, (l) => actions.stop(sel.service, sel.node, l));
    if (input === 'r') return run(`restart ${where}`, (l) => actions.restart(sel.service, sel.node, l));
  }

  function onJobKey(input: string, key: Key): void {
    if (input === 'f' || key.escape) {
      setPanel('none');
      return setView('main');
    }
    const list = jobsR.current.data ?? [];
    if (key.downArrow || input === 'j') return setJobSel((s) => Math.min(s + 1, Math.max(0, list.length - 1)));
    if (key.upArrow || input === 'k') return setJobSel((s) => Math.max(0, s - 1));
    const act = { c: 'cancel', S: 'stop with a savepoint', u: 'submit again' }[input] as string | undefined;
    if (!act || !flink) return;
    const job = list[Math.min(jobSelR.current, list.length - 1)];
    const refuse = (why: string) => {
      setPanel('progress');
      setProgress({ title: `${act}`, lines: [`refused: ${why}`], running: false, ok: false });
    };
    // The list shown may be stale: a JobManager that stopped answering refuses every action, with why.
    if (jobsR.current.error) return refuse(`the JobManager does not answer (${jobsR.current.error})`);
    if (!job) return refuse('no job selected');
    const what = `${act} job ${job.name} (${job.id.slice(0, 8)})`;
    if (input === 'u') {
      if (!job.resubmittable) return refuse(`${job.name} was not submitted by etclab flink run: nothing recorded to submit again`);
      if (job.state === 'RUNNING') return refuse(`${job.name} is RUNNING: cancel or stop it first`);
      return run(what, (l) => flink.resubmit(job.id, l));
    }
    if (job.state !== 'RUNNING') return refuse(`${job.name} is ${job.state}, not RUNNING`);
    run(what, (l) => (input === 'c' ? flink.cancel(job.id, l) : flink.stop(job.id, l)));
  }

  // ---- layout: everything is counted in lines so the frame is exactly `height` tall ----
  const keys = view === 'metrics' ? METRICS_KEYS : view === 'jobs' ? JOBS_KEYS : MAIN_KEYS;
  const legendH = legendLines(keys, width).length;
  const promptH = prompt ? 1 : 0;
  const bodyH = Math.max(3, height - 1 - legendH - promptH);

  const counts = status.data ? countStatus(status.data) : null;
  // A failed refresh replaces the counts (the table still shows them, as of the time given).
  const title =
    `etclab console · ${props.cluster}` +
    (view === 'metrics' ? ' · metrics' : view === 'jobs' ? ' · flink jobs' : '') +
    (status.data ? ` · ${timeOf(status.data.at)}` : '') +
    (status.error && status.data
      ? ` · refresh failed: ${status.error}`
      : counts
        ? ` · ${counts.total} daemons: ${counts.ok} up, ${counts.down} down${counts.unreachable ? `, ${counts.unreachable} unreachable` : ''}`
        : '');

  // An action's progress and outcome, below the health table or the jobs table.
  const progressPanel = (h: number) =>
    progress ? (
      <TextPanel
        title={`${progress.title}${progress.running ? ' — running' : progress.ok ? ' — done' : progress.ok === false ? ' — failed' : ''}`}
        lines={progress.lines}
        status={progress.status}
        width={width}
        height={h}
        color={progress.running ? 'cyan' : progress.ok ? 'green' : 'red'}
      />
    ) : null;

  let body;
  if (help) body = <HelpView width={width} height={bodyH} />;
  else if (view === 'jobs') {
    const panelH = panel === 'progress' && progress ? Math.max(4, Math.floor(bodyH / 3) + 1) : 0;
    const list = jobs.data ?? null;
    body = (
      <Box flexDirection="column" height={bodyH}>
        <JobsView jobs={list} error={jobs.error} selected={Math.min(jobSel, Math.max(0, (list?.length ?? 1) - 1))} width={width} height={bodyH - panelH} />
        {panelH ? progressPanel(panelH) : null}
      </Box>
    );
  } else if (view === 'metrics') body = <MetricsView snapshot={metrics.data ?? (metrics.error ? { ...loadingSnapshot(), kafka: { state: 'error', error: metrics.error } } : loadingSnapshot())} width={width} height={bodyH} />;
  else {
    const panelH = panel === 'none' ? 0 : Math.max(4, Math.floor(bodyH / 3) + 1);
    const tableH = Math.max(2, bodyH - 2 - panelH);
    const svc = status.data?.services ?? [];
    // Every name first (a glance shows which are down), then why, as far as the width allows.
    const bad = svc.filter((s) => !s.healthy);
    const services = svc.length
      ? `services: ${svc.map((s) => `${s.service} ${s.healthy ? '✓' : '✗'}`).join('  ')}${bad.length ? `  — ${bad.map((s) => `${s.service}: ${s.detail}`).join('; ')}` : ''}`
      : '';
    const detail = sel ? `▶ ${sel.node} ${serviceLabel(sel)}: ${healthText(sel)}` : '';
    body = (
      <Box flexDirection="column" height={bodyH}>
        <StatusTable status={status.data} error={status.error} selected={Math.min(selected, Math.max(0, daemons.length - 1))} width={width} height={tableH} />
        <Line text={detail} width={width} color={sel && (sel.state !== 'running' || sel.healthy === false) ? 'red' : undefined} />
        <Line text={services} width={width} color={svc.some((s) => !s.healthy) ? 'yellow' : 'green'} />
        {panel === 'log' ? (
          <TextPanel
            title={sel ? `log ${sel.node} ${serviceLabel(sel)}${log.error ? ` — ${log.error}` : ''}` : 'log'}
            lines={log.data ? log.data.trimEnd().split('\n') : [log.error ? '' : 'reading…']}
            width={width}
            height={panelH}
            color={log.error ? 'red' : 'cyan'}
          />
        ) : panel === 'progress' ? (
          progressPanel(panelH)
        ) : null}
      </Box>
    );
  }

  const promptText =
    prompt?.kind === 'confirm-reset'
      ? 'reset the cluster as shown above? y/n'
      : prompt?.kind === 'replay-files'
        ? `replay files (comma-separated; empty = shared data set): ${prompt.value}█`
        : prompt?.kind === 'replay-pace'
          ? `pace (x event time, e.g. 60; max = as fast as possible): ${prompt.value}█`
          : '';

  return (
    <Box flexDirection="column" width={width} height={height}>
      <Line text={title} width={width} bold color={status.error ? 'yellow' : undefined} />
      {body}
      {prompt ? <Line text={promptText} width={width} color="yellow" bold /> : null}
      <KeyLegend keys={keys} width={width} />
    </Box>
  );
}
