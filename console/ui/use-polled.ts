// Polls a loader, keeping the last good data while the next load runs or fails, and re-rendering only when
// what it returned changed (so a steady cluster does not redraw the screen every few seconds).
import { useCallback, useEffect, useRef, useState } from 'react';

export interface Polled<T> {
  data: T | null;
  error: string | null;
  /** Loads now (e.g. right after an action changed something). */
  refresh: () => void;
}

/** `key` names what is polled: when it changes (another daemon's log) the old data is dropped. */
export function usePolled<T>(load: (() => Promise<T>) | null, intervalMs: number, key = ''): Polled<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null }>({ data: null, error: null });
  const last = useRef('');
  const inFlight = useRef(false);
  const again = useRef(false);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const tick = useCallback(async (): Promise<void> => {
    const fn = loadRef.current;
    if (!fn) return;
    if (inFlight.current) {
      // Asked while a load runs (e.g. right after an action): that load may predate the change, so load again.
      again.current = true;
      return;
    }
    const gen = generation.current;
    inFlight.current = true;
    let next: { data: T | null; error: string | null };
    try {
      next = { data: await fn(), error: null };
    } catch (e) {
      next = { data: null, error: (e as Error).message || String(e) };
    } finally {
      inFlight.current = false;
    }
    if (again.current) {
      again.current = false;
      void tick();
    }
    if (gen !== generation.current) return;
    const sig = JSON.stringify(next);
    if (sig === last.current) return;
    last.current = sig;
    // A failed load keeps what was shown before, with the error beside it.
    setState((prev) => (next.error !== null ? { data: prev.data, error: next.error } : next));
  }, []);

  const enabled = load !== null;
  useEffect(() => {
    const gen = ++generation.current;
    last.current = '';
    setState({ data: null, error: null });
    if (!enabled) return;
    void tick();
    const t = setInterval(() => void tick(), intervalMs);
    return () => {
      clearInterval(t);
      if (generation.current === gen) generation.current++;
    };
  }, [intervalMs, key, enabled, tick]);

  return { ...state, refresh: () => void tick() };
}
