import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { topicOffsets } from './topic-offsets.ts';

// Only the retry decision is tested here; the stack suite meets a real moved leader after its rolling restart.
function admin(failures: Array<{ type: string }>) {
  const calls: string[] = [];
  const a = {
    fetchTopicOffsets: async () => {
      calls.push('fetch');
      const f = failures.shift();
      if (f) throw Object.assign(new Error(f.type), f);
      return [
        { partition: 1, offset: '7', high: '7', low: '2' },
        { partition: 0, offset: '5', high: '5', low: '0' },
      ];
    },
    disconnect: async () => void calls.push('disconnect'),
    connect: async () => void calls.push('connect'),
  };
  return { a: a as unknown as Admin, calls };
}

describe('topicOffsets', () => {
  it('reconnects (dropping stale metadata) when the leader moved, then answers in partition order', async () => {
    const { a, calls } = admin([{ type: 'NOT_LEADER_FOR_PARTITION' }]);
    expect(await topicOffsets(a, 't', 5, 1)).toEqual([
      { partition: 0, low: 0, high: 5 },
      { partition: 1, low: 2, high: 7 },
    ]);
    expect(calls).toEqual(['fetch', 'disconnect', 'connect', 'fetch']);
  });

  it('does not retry other errors, and gives up after the attempts given', async () => {
    await expect(topicOffsets(admin([{ type: 'TOPIC_AUTHORIZATION_FAILED' }]).a, 't', 5, 1)).rejects.toThrow('TOPIC_AUTHORIZATION_FAILED');
    const moved = Array.from({ length: 3 }, () => ({ type: 'LEADER_NOT_AVAILABLE' }));
    const { a, calls } = admin(moved);
    await expect(topicOffsets(a, 't', 3, 1)).rejects.toThrow('LEADER_NOT_AVAILABLE');
    expect(calls.filter((c) => c === 'fetch')).toHaveLength(3);
  });
});
