// One list of key bindings: the legend strip, the help screen and the input handler all read it.
import type { KeyBinding } from '../format/key-legend.ts';

export interface Binding extends KeyBinding {
  help: string;
}

export const MAIN_KEYS: Binding[] = [
  { key: '↑↓/jk', label: 'select', help: 'move the selection in the health table' },
  { key: 's', label: 'start', help: 'start the selected service on the selected node (refused while a service it needs is unhealthy)' },
  { key: 'x', label: 'stop', help: 'stop the selected service on the selected node' },
  { key: 'r', label: 'restart', help: 'stop then start the selected service on the selected node' },
  { key: 'l', label: 'log', help: 'show / hide the tail of the selected daemon\'s log (refreshed)' },
  { key: 'f', label: 'flink jobs', help: 'the Flink jobs: name, state, uptime, parallelism, last checkpoint; cancel, stop with a savepoint, submit again' },
  { key: 'm', label: 'metrics', help: 'Kafka rates and lag, flow per checkpoint, alerts, HDFS/HBase/Flink' },
  { key: 'R', label: 'reset', help: 'reset the pipeline data: shows a dry run, then asks y/n' },
  { key: 'p', label: 'replay', help: 'replay ETC CSV files into Kafka at a chosen pace' },
  { key: 'esc', label: 'close', help: 'close the panel, prompt or view' },
  { key: '?', label: 'help', help: 'show / hide this help' },
  { key: 'q', label: 'quit', help: 'quit the console (the cluster keeps running)' },
];

export const METRICS_KEYS: KeyBinding[] = [
  { key: 'm/esc', label: 'back' },
  { key: '?', label: 'help' },
  { key: 'q', label: 'quit' },
];

export const JOBS_KEYS: Binding[] = [
  { key: '↑↓/jk', label: 'select', help: 'move the selection in the jobs table' },
  { key: 'c', label: 'cancel', help: 'cancel the selected job (no savepoint)' },
  { key: 'S', label: 'stop+savepoint', help: 'stop the selected job with a savepoint (etclab flink run -s resumes it)' },
  { key: 'u', label: 'submit again', help: 'submit the selected job again as etclab flink run submitted it (fresh state)' },
  { key: 'f/esc', label: 'back', help: 'back to the health table' },
  { key: 'q', label: 'quit', help: 'quit the console' },
];
