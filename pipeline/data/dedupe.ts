/** Remembers where each GCXH was first seen, across any number of files. */
export class GcxhIndex {
  private readonly files: string[] = [];
  private readonly fileIds = new Map<string, number>();
  // file id and line packed into one number keeps 300k entries small.
  private readonly seen = new Map<string, number>();

  /** Registers a GCXH; returns where it was first seen if this is a repeat. */
  see(gcxh: string, file: string, line: number): { file: string; line: number } | undefined {
    const prev = this.seen.get(gcxh);
    if (prev !== undefined) return { file: this.files[Math.floor(prev / 2 ** 32)], line: prev % 2 ** 32 };
    // A copy, not the substring: a sliced string keeps the whole decoded chunk it was cut from alive,
    // and this index outlives every chunk of a month-long replay.
    gcxh = flat(gcxh);
    let id = this.fileIds.get(file);
    if (id === undefined) {
      id = this.files.push(file) - 1;
      this.fileIds.set(file, id);
    }
    this.seen.set(gcxh, id * 2 ** 32 + line);
    return undefined;
  }

  get size(): number {
    return this.seen.size;
  }
}

/** A string that owns its characters (V8 slices share the parent's). */
export function flat(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}
