// One exit-code table for every command (the README lists it).
export const EXIT = {
  /** Done; for status: every service healthy. */
  ok: 0,
  /** A step, a store or a daemon failed: the output names it. */
  failed: 1,
  /** Bad flags, an unknown name, an inventory error, a refusal (a prerequisite down, no confirmation). */
  usage: 2,
  /** `status` and `lab status`: the command worked, and something is not healthy / not up. */
  unhealthy: 3,
  /** Stopped by Ctrl-C (replay: what was acknowledged is saved for --resume). */
  interrupted: 130,
} as const;
