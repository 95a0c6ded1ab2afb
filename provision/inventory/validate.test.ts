import { describe, expect, it } from 'vitest';
import { fieldOf, HEAP_RE, isValidAddress, parseField } from './validate.ts';

describe('address format', () => {
  it.each(['192.168.88.131', '10.213.7.1', '0.0.0.0', 'node1', 'node-1.lab.example', 'a'])('accepts %s', (a) => {
    expect(isValidAddress(a)).toBe(true);
  });
  it.each(['256.1.1.1', '10.0.0', '10.0.0.01', '1.2.3.4.5', 'node_1', '-node', 'node-', 'a..b', '', 'x'.repeat(64)])('rejects %s', (a) => {
    expect(isValidAddress(a)).toBe(false);
  });
});

describe('heap format', () => {
  it('takes whole m/g sizes only', () => {
    expect(['64m', '256M', '1g', '12G'].every((h) => HEAP_RE.test(h))).toBe(true);
    expect(['256', '2gb', '0m', '1.5g', '512k', ' 64m'].some((h) => HEAP_RE.test(h))).toBe(false);
  });
});

describe('field paths', () => {
  it('round-trips between segments and dotted text', () => {
    const segs = ['services', 'zookeeper', 'roles', 'server', 1];
    expect(fieldOf(segs)).toBe('services.zookeeper.roles.server[1]');
    expect(parseField('services.zookeeper.roles.server[1]')).toEqual(segs);
    expect(fieldOf(['nodes', 2, 'address'])).toBe('nodes[2].address');
    expect(parseField('a[0][3].b')).toEqual(['a', 0, 3, 'b']);
    expect(fieldOf([])).toBe('(document)');
  });
});
