// Which broker answers the topic reset waits out: a broker not yet told of the recreated topic.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { notYet } from './kafka.ts';

const { createErrorFromCode } = createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as { createErrorFromCode: (code: number) => Error };

describe('topic reset: transient broker answers', () => {
  it('waits out a broker that does not host the new topic yet, also when kafkajs wrapped it', () => {
    expect(notYet(createErrorFromCode(3))).toBe('This server does not host this topic-partition');
    expect(notYet({ message: 'retries exceeded', originalError: createErrorFromCode(5) })).toMatch(/no leader/i);
  });

  it('fails at once on what waiting cannot fix', () => {
    expect(notYet(createErrorFromCode(29))).toBeNull(); // TOPIC_AUTHORIZATION_FAILED
    expect(notYet(new Error('boom'))).toBeNull();
  });
});
