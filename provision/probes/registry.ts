// Protocol name → the code that speaks it. Probes run from the controller, never on a node.
import type { Probe, ProbeResult } from './types.ts';
import * as zk from './zookeeper.ts';
import * as redis from './redis.ts';
import * as mysql from './mysql.ts';

export interface ProbeContext {
  /** Resolves an inventory secret by name (values are never logged). */
  secret(name: string): Promise<string>;
}

export type ProbeFn = (p: Probe, ctx: ProbeContext) => Promise<ProbeResult>;

const registry = new Map<string, ProbeFn>([
  ['zookeeper', zk.probe],
  ['zookeeper-ensemble', zk.probeEnsemble],
  ['redis', redis.probe],
  ['mysql', mysql.probe],
]);

export function registerProbe(protocol: string, fn: ProbeFn): void {
  registry.set(protocol, fn);
}

/** Runs one probe once; a thrown error becomes a failed result with its message. */
export async function runProbe(p: Probe, ctx: ProbeContext): Promise<ProbeResult> {
  const fn = registry.get(p.protocol);
  if (!fn) return { ok: false, detail: `no probe for protocol ${p.protocol}` };
  try {
    return await fn(p, ctx);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { ok: false, detail: err.code ? `${err.code} ${err.message}` : err.message };
  }
}
