import { describe, expect, it } from 'vitest';
// @ts-expect-error thrift ships no type declarations
import thriftModule from 'thrift';
// @ts-expect-error untyped generated CommonJS
import Hbase1Module from './gen/thrift1/Hbase.js';
// @ts-expect-error untyped generated CommonJS
import types1Module from './gen/thrift1/Hbase_types.js';
import { ByteSink, SinkBinaryProtocol, SinkBufferedTransport } from './fast-binary.ts';
import { buildBatchMutations } from './model.ts';

const thrift: any = thriftModule;
const Hbase1: any = Hbase1Module;
const types1: any = types1Module;

/** What a generated client puts on the wire for `call`, with the given transport and protocol classes. */
function wire(Transport: any, Protocol: any, call: (client: any) => void): Buffer[] {
  const out: Buffer[] = [];
  const transport = new Transport(undefined, (msg: Buffer) => out.push(Buffer.from(msg)));
  call(new Hbase1.Client(transport, Protocol));
  return out;
}

const batches = () =>
  buildBatchMutations([
    { row: '3|20231201000203|苏C12***', cells: { 'info:HPHM': '苏C12***', 'info:CLEAN_KKMC': 'G3-K731-省际卡口', 'info:gone': null } },
    { row: Buffer.from([0, 255, 1]), cells: { 'info:v': Buffer.alloc(70_000, 7) } },
  ]).map((b) => new types1.BatchMutation({ row: b.row, mutations: b.mutations.map((m) => new types1.Mutation(m)) }));

describe('sink-backed thrift binary writer', () => {
  it('puts the same bytes on the wire as the thrift package, message after message', () => {
    const calls = (c: any) => {
      c.send_mutateRows('etc_traffic_data', batches(), { k: 'v' });
      c.send_scannerOpenWithStop('etc_traffic_data', Buffer.from('1_'), Buffer.from('1`'), ['info'], {});
      c.send_scannerGetList(-5, 2000);
    };
    const stock = wire(thrift.TBufferedTransport, thrift.TBinaryProtocol, calls);
    const fast = wire(SinkBufferedTransport, SinkBinaryProtocol, calls);
    expect(fast).toHaveLength(3);
    expect(fast.map((b) => b.toString('hex'))).toEqual(stock.map((b) => b.toString('hex')));
  });

  it('a message is a copy: reusing the sink does not change what was flushed', () => {
    const [first, second] = wire(SinkBufferedTransport, SinkBinaryProtocol, (c) => {
      c.send_scannerGetList(1, 10);
      c.send_scannerGetList(2, 20);
    });
    expect(first!.equals(second!)).toBe(false);
    // The call's last field (nbRows), then the struct's stop byte.
    expect(first!.readInt32BE(first!.length - 5)).toBe(10);
  });

  it('grows past its first buffer and wraps integers like Java', () => {
    const s = new ByteSink();
    s.bytes(Buffer.alloc(100_000, 1));
    s.i16(0x18000);
    s.i32(0x80010001);
    expect(s.len).toBe(100_006);
    const b = s.take();
    expect(b.readInt16BE(100_000)).toBe(-32768);
    expect(b.readInt32BE(100_002)).toBe(-2147418111);
    expect(s.len).toBe(0);
  });
});
