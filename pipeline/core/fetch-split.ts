// What a consumer does with one fetched batch of a partition, given where it stands. Every batch must move
// kafkajs' fetch position forward (resolve or seek): one that moves nothing is fetched again, forever.

/** Where a partition stands: `from` is the next record to read, `next` the next to apply (from ≤ next). */
export interface Stand {
  from: number;
  next: number;
}

export interface FetchSplit<M> {
  /** Already in the stores: fed to the clone detector only, then resolved. */
  warm: M[];
  /** To apply to the stores. */
  fresh: M[];
  /** The batch lies wholly below `from` (a seek kafkajs did not apply): seek here instead. */
  reseekTo: number | null;
}

export function splitFetch<M extends { offset: string }>(messages: M[], at: Stand): FetchSplit<M> {
  const mine = messages.filter((m) => Number(m.offset) >= at.from);
  if (mine.length === 0 && messages.length > 0) return { warm: [], fresh: [], reseekTo: at.from };
  return {
    warm: mine.filter((m) => Number(m.offset) < at.next),
    fresh: mine.filter((m) => Number(m.offset) >= at.next),
    reseekTo: null,
  };
}
