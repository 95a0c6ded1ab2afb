// Redaction over a stream: a secret split at every byte boundary, and byte by byte, never reaches the log.
import { describe, expect, it } from 'vitest';
import { redactingStream, redactor } from './secrets-fill.ts';

const SECRETS = [`p@ss'w"o\\rd $HOME #1 %s 密码口令-${'x'.repeat(40)}`, 'short1', 'abc'];

function feed(chunks: Buffer[], secrets = SECRETS): string {
  const s = redactingStream(secrets);
  return chunks.map((c) => s.push(c)).join('') + s.end();
}

describe('redaction', () => {
  it('a secret split at every byte boundary (CJK characters included) is redacted', () => {
    for (const secret of SECRETS) {
      const bytes = Buffer.from(`before ${secret} after ${secret}`, 'utf8');
      for (let cut = 1; cut < bytes.length; cut++) expect(feed([bytes.subarray(0, cut), bytes.subarray(cut)]), `cut at byte ${cut}`).toBe('before *** after ***');
    }
  });

  it('output fed byte by byte is redacted and otherwise unchanged', () => {
    const text = `step: connecting with ${SECRETS[0]}\nCJK checkpoint G3-K731-省际卡口 ok\n`;
    const bytes = Buffer.from(text, 'utf8');
    expect(feed([...bytes].map((b) => Buffer.from([b])))).toBe('step: connecting with ***\nCJK checkpoint G3-K731-省际卡口 ok\n');
  });

  it('what only looks like a secret\'s beginning is released at the end, unchanged', () => {
    expect(feed([Buffer.from('the end: p@ss')])).toBe('the end: p@ss');
    expect(feed([Buffer.from('ab'), Buffer.from('d')])).toBe('abd');
  });

  it('short secrets are redacted too (validation refuses them in an inventory)', () => {
    expect(redactor(['abc'])('xabcx')).toBe('x***x');
  });
});
