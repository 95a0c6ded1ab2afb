// One declarative module per service, like an Ansible role: defaults, templates, steps, health.
// The generic plan builder (provision/plan/build.ts) turns these into configure → start → health
// steps per daemon, in the order given by `after` and `roleTiers`.
import type { Inventory, InventoryIssue, NodeSpec, ServiceSpec } from '../inventory/types.ts';
import type { Action, FileSpec } from '../plan/types.ts';
import type { Probe } from '../probes/types.ts';

/** Everything a module needs to describe one daemon; paths are on the node. */
export interface DaemonContext {
  inventory: Inventory;
  spec: ServiceSpec;
  service: string;
  role: string;
  node: NodeSpec;
  /** <baseDir>/<service> on that node: conf/, data/, logs/, run/ live below it. */
  home: string;
  /** Nodes holding each role of this service, in inventory order. */
  members: Record<string, NodeSpec[]>;
}

/** One process of a service on one node. */
export interface Daemon {
  role: string;
  /** Config files rendered from the service's templates/ (may hold {{secret:NAME}} placeholders). */
  files: FileSpec[];
  /**
   * The foreground command line that runs the daemon (`exec`'d under setsid by the start script).
   * Never holds a secret: secrets go into 0600 config files.
   */
  command: string;
  /** Environment exported before `command` (no secrets). */
  env?: Record<string, string>;
  /** Shell run before the first start only when needed (e.g. format NameNode once); must be idempotent. */
  prestart?: string;
  /** Shell run after every (re)start once the process is up, e.g. create users; must be idempotent. */
  poststart?: string;
  /** Ports that must be free on the node before start and listening after. */
  ports: number[];
  /** Probe of this one daemon, from the controller. */
  probe?: Probe;
  /** Seconds to wait for graceful exit on stop before SIGKILL. */
  stopGraceSec?: number;
}

export interface ServiceModule {
  name: string;
  /** One line for `etclab plan` and the README. */
  description: string;
  /** Allowed role names; `roleTiers` orders them (a later tier starts after an earlier one is healthy). */
  roles: string[];
  roleTiers?: string[][];
  /** Services that must be healthy before this one starts (and that stop after it). */
  after: string[];
  /** Defaults merged under what the inventory says. */
  defaults(profile: Inventory['profile'], nodeNames: string[]): Omit<ServiceSpec, 'settings'> & { settings?: Record<string, unknown> };
  /** Extra checks beyond the generic ones; `field` is a dotted path below services.<name>. */
  validate?(spec: ServiceSpec, inventory: Inventory): Array<Omit<InventoryIssue, 'file' | 'line'>>;
  /**
   * Debian/Ubuntu packages the service runs from. `up` installs the union of every service's packages on a
   * node in one step (one dpkg at a time), before any of that node's services is configured.
   */
  packages?: string[];
  /** The runtime its daemons need on the node: a JDK 17 (installed or the inventory's javaHome) or Node.js (shipped). */
  runtime?: 'java' | 'nodejs';
  /** Per-node install action (artifact sync), shared by all roles on the node. */
  install?(ctx: Omit<DaemonContext, 'role'>): Action | null;
  daemon(ctx: DaemonContext): Daemon;
  /** Whole-service probe after every daemon is healthy (e.g. one ZooKeeper leader, N-1 followers). */
  clusterProbe?(ctx: { inventory: Inventory; spec: ServiceSpec; members: Record<string, NodeSpec[]> }): Probe | null;
}
