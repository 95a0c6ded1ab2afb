import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeStatus, probeGroup } from './probe.ts';

describe('pipeline health', () => {
  it('is healthy once consuming, says when idle, and names what it retries on', () => {
    expect(judgeStatus({ state: 'starting', group: 'g' }).ok).toBe(false);
    const ok = judgeStatus({ state: 'consuming', group: 'g', topic: 't', partitions: [0, 2], records: 10, rate: 5, lag: 1, lastError: null });
    expect(ok).toEqual({ ok: true, detail: 'group g on t partitions [0,2], 10 records, 5/s, lag 1' });
    expect(judgeStatus({ state: 'consuming', partitions: [] }).detail).toMatch(/idle: no partition assigned/);
    expect(judgeStatus({ state: 'consuming', partitions: [1], lastError: { class: 'store-unreachable', store: 'redis' } }).detail).toMatch(/retrying: redis store-unreachable$/);
    expect(judgeStatus({ state: 'consuming', role: 'warner', topic: 't', closedUntil: null, warnings: 0 }).detail).toMatch(/minutes judged up to none yet/);
  });

  describe('the group, from real status endpoints', () => {
    const docs = [
      { state: 'consuming', partitions: [0, 1], records: 5, rate: 1, lag: 2 },
      { state: 'consuming', partitions: [], records: 0, rate: 0, lag: 0 },
    ];
    const servers = docs.map((d) => createServer((_q, r) => r.end(JSON.stringify(d))));
    const ports: number[] = [];
    beforeAll(async () => {
      for (const s of servers) await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
      ports.push(...servers.map((s) => (s.address() as AddressInfo).port));
    });
    afterAll(() => servers.forEach((s) => s.close()));

    it('is whole only when every partition has a consumer and every consumer answers', async () => {
      const consumers = ports.map((port, i) => ({ node: `node${i + 1}`, host: '127.0.0.1', port }));
      expect(await probeGroup({ protocol: 'pipeline-group', consumers, partitions: 2 })).toMatchObject({ ok: true });
      const three = await probeGroup({ protocol: 'pipeline-group', consumers, partitions: 3 });
      expect(three).toEqual({ ok: false, detail: 'partitions [2] without a consumer' });
      const gone = await probeGroup({ protocol: 'pipeline-group', consumers: [...consumers, { node: 'node3', host: '127.0.0.1', port: 1 }], partitions: 2 });
      expect(gone.ok).toBe(false);
      expect(gone.detail).toMatch(/not consuming: node3 unreachable/);
    });
  });
});
