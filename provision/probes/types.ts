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
