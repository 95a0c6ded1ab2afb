// Health probes are data too; provision/probes/registry.ts maps each protocol to the code that speaks it.

export interface ProbeBase {
  protocol: string;
}

export interface ProbeResult {
  ok: boolean;
  /** One line for humans: "leader node2, followers node1 node3". */
  detail: string;
}

export type Probe = ProbeBase & Record<string, unknown>;

/** What a probe may ask of its caller. */
export interface ProbeContext {
  /** Resolves an inventory secret by name (values are never logged). */
  secret(name: string): Promise<string>;
  /**
   * Prove the user's work runs, not only that daemons answer (Flink: a canary job must FINISH). Health steps
   * of `up` and `status --deep` ask for it; the plain `status` the console polls every few seconds does not.
   */
  deep?: boolean;
}
