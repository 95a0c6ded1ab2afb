// State whose latest value is readable at once through a ref. Key events can arrive faster than React
// re-renders (tmux send-keys, fast typing): the handler must see what the previous key just changed.
import { useCallback, useRef, useState, type MutableRefObject } from 'react';

export function useSyncState<T>(initial: T): [T, (next: T | ((prev: T) => T)) => void, MutableRefObject<T>] {
  const [value, setValue] = useState(initial);
  const ref = useRef(initial);
  const set = useCallback((next: T | ((prev: T) => T)) => {
    ref.current = typeof next === 'function' ? (next as (p: T) => T)(ref.current) : next;
    setValue(ref.current);
  }, []);
  return [value, set, ref];
}
