// Against a running HBase Thrift gateway: ETCLAB_HBASE_THRIFT=host:8085 (and ETCLAB_HBASE_THRIFT2=host:9090
// for the split-key / truncate part). provision/services/hbase-flink.local.test.ts starts one from scratch.
import { describe, expect, it } from 'vitest';
import { connect, parseEndpoint } from './client.ts';

const t1 = process.env.ETCLAB_HBASE_THRIFT;
const t2 = process.env.ETCLAB_HBASE_THRIFT2;

describe('parseEndpoint', () => {
  it('names the source on bad input', () => {
    expect(parseEndpoint('127.0.2.1:8085', 'X')).toEqual({ host: '127.0.2.1', port: 8085 });
    expect(() => parseEndpoint('127.0.2.1', 'ETCLAB_HBASE_THRIFT')).toThrow(/ETCLAB_HBASE_THRIFT: expected host:port/);
  });
});

describe.skipIf(!t1)('HBase thrift client (set ETCLAB_HBASE_THRIFT=host:port to run)', () => {
  it('round-trips rows and scans by prefix', async () => {
    const ep = parseEndpoint(t1!, 'ETCLAB_HBASE_THRIFT');
    const c = await connect(ep.host, ep.port, t2 ? { admin: parseEndpoint(t2, 'ETCLAB_HBASE_THRIFT2') } : {});
    const table = `etclab_client_test_${process.pid}`;
    try {
      await c.createTable(table, ['d'], t2 ? ['m'] : []);
      if (t2) expect((await c.tableRegions(table)).length).toBe(2);
      else await expect(c.createTable(`${table}_x`, ['d'], ['m'])).rejects.toThrow(/thrift2 admin endpoint/);
      await c.mutateRows(table, [{ row: 'a1', cells: { 'd:x': '1' } }, { row: 'a2', cells: { 'd:x': '2' } }, { row: 'z', cells: { 'd:x': '3' } }]);
      expect((await c.getRow(table, 'a2'))?.cells['d:x'].toString()).toBe('2');
      expect((await c.scan(table, { prefix: 'a' })).map((r) => r.row.toString())).toEqual(['a1', 'a2']);
      if (t2) {
        await c.truncateTable(table);
        expect(await c.scan(table)).toEqual([]);
        expect((await c.tableRegions(table)).length).toBe(2);
      }
    } finally {
      if (await c.tableExists(table)) await c.deleteTable(table);
      c.close();
    }
  });
});
