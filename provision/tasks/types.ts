// Controller-side tasks: effects that speak a service's protocol rather than run a script on a node.
// Like probes, a task in a plan is data (name + params); this registry holds the code.
import type { Inventory } from '../inventory/types.ts';

export interface TaskContext {
  inventory: Inventory;
  secret(name: string): Promise<string>;
  /** Progress for the step log and the progress line. */
  log(line: string): void;
}

export interface Task {
  /** What running it would remove or change, with counts; reads only. */
  inspect(params: Record<string, unknown>, ctx: TaskContext): Promise<string[]>;
  /**
   * Reads only, and fast: does the store answer well enough for run() to work? One line saying what
   * answered; throws naming what does not. A reset checks every store this way before emptying any.
   */
  ready?(params: Record<string, unknown>, ctx: TaskContext): Promise<string>;
  /** Does it; returns one line for the progress output. Must be safe to run twice. */
  run(params: Record<string, unknown>, ctx: TaskContext): Promise<{ changed: boolean; detail: string }>;
}

export const READY = 'ready:';

/** The name under which a plan runs `task`'s readiness check as a step of its own (the registry resolves it). */
export const readyTaskName = (task: string): string => READY + task;
