// The plan is pure data: a DAG of steps. Only executors (direct SSH, Pulumi) give it effects.
import type { Probe } from '../probes/types.ts';

export type Phase =
  | 'fetch' // artifacts into the local cache
  | 'install' // packages / artifacts onto a node
  | 'configure' // rendered config files onto a node
  | 'start' // launch a daemon (idempotent: unchanged when already running with the same config)
  | 'health' // probe from the controller until healthy or timeout
  | 'stop'
  | 'reset'
  | 'purge';

/**
 * A file written on a node. `content` may hold `{{secret:NAME}}` placeholders: the executor resolves
 * them just before writing, so a plan (and its printout, and Pulumi's state) never holds a secret.
 */
export interface FileSpec {
  path: string;
  content: string;
  mode: number;
}

export type Action =
  /** A bash script fed to `bash -s` on stdin (never argv). Prints `ETCLAB_CHANGED <what>` when it changed something. */
  | { kind: 'shell'; script: string }
  /**
   * Files written only where their content differs; changed when any was written. `digest` names a file
   * that receives the sha256 of the resolved contents, so `status` can tell a running daemon's config is stale.
   */
  | { kind: 'files'; files: FileSpec[]; digest?: string }
  /** A protocol check run from the controller, retried until it passes or the step times out. */
  | { kind: 'probe'; probe: Probe }
  /** A local directory (artifact) synced to the node when its manifest checksum differs. */
  | { kind: 'sync'; from: string; to: string; manifest: string; artifact: { service: string; version: string } }
  /** Work the controller does by speaking a service's protocol (reset: delete groups, truncate tables …). */
  | { kind: 'task'; task: string; params: Record<string, unknown> };

/** '*' as node means a cluster-wide step run from the controller (probes, local work). */
export const CLUSTER = '*';

export interface Step {
  /** Unique and stable: `<service>/<node>/<phase>[:<role>]`. */
  id: string;
  service: string;
  node: string;
  role?: string;
  phase: Phase;
  /** Words the user reads in progress lines: "start zookeeper on node2". */
  title: string;
  action: Action;
  deps: string[];
  timeoutSec: number;
  /** Rough duration used to show the plan's critical path before a run. */
  estimateSec: number;
}

export type Operation = 'up' | 'down' | 'start' | 'stop' | 'reset' | 'purge';

export interface Plan {
  operation: Operation;
  cluster: string;
  steps: Step[];
}
