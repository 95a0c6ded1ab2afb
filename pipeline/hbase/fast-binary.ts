// The thrift package's binary protocol allocates a Buffer for every byte, i16 and i32 it writes, and its
// buffered transport keeps them all in a list until flush: a 2,000-row mutateRows made ~100k small Buffers,
// and encoding plus the garbage collector behind it were the consumer's largest CPU cost (profiled on the
// lab). These subclasses write the same bytes into one growing buffer; reading is untouched.
// @ts-expect-error thrift ships no type declarations
import thriftModule from 'thrift';

const thrift: any = thriftModule;

/** One growing byte buffer: the message being written. */
export class ByteSink {
  buf = Buffer.allocUnsafe(64 * 1024);
  len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.len++] = b & 0xff;
  }

  i16(v: number): void {
    this.room(2);
    this.len = this.buf.writeInt16BE(((v << 16) >> 16), this.len);
  }

  i32(v: number): void {
    this.room(4);
    this.len = this.buf.writeInt32BE(v | 0, this.len);
  }

  double(v: number): void {
    this.room(8);
    this.len = this.buf.writeDoubleBE(v, this.len);
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  string(s: string, encoding: BufferEncoding, byteLength: number): void {
    this.room(byteLength);
    this.len += this.buf.write(s, this.len, byteLength, encoding);
  }

  /** The bytes so far, copied (the socket may still hold them after the sink is reused), and empties it. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.len);
    this.buf.copy(out, 0, 0, this.len);
    this.len = 0;
    return out;
  }
}

/** TBufferedTransport whose writes land in a ByteSink; flush hands one Buffer on, like the original. */
export class SinkBufferedTransport extends thrift.TBufferedTransport {
  readonly sink = new ByteSink();

  write(buf: Buffer | string): void {
    this.sink.bytes(typeof buf === 'string' ? Buffer.from(buf, 'utf8') : buf);
  }

  flush(): void {
    const seqid = (this as any)._seqid;
    (this as any)._seqid = null;
    if (this.sink.len < 1) return;
    const msg = this.sink.take();
    if ((this as any).onFlush) (this as any).onFlush(msg, seqid);
  }
}

/** TBinaryProtocol that writes primitives straight into its transport's sink (any other transport: as before). */
export class SinkBinaryProtocol extends thrift.TBinaryProtocol {
  private get sink(): ByteSink | undefined {
    return (this as any).trans?.sink;
  }

  /** A client sends one message per flush: what a failed earlier write left behind must not lead this one. */
  writeMessageBegin(name: string, type: number, seqid: number): void {
    const s = this.sink;
    if (s) s.len = 0;
    super.writeMessageBegin(name, type, seqid);
  }

  writeByte(b: number): void {
    const s = this.sink;
    if (s) s.byte(b);
    else super.writeByte(b);
  }

  writeI16(v: number): void {
    const s = this.sink;
    if (s) s.i16(v);
    else super.writeI16(v);
  }

  writeI32(v: number): void {
    const s = this.sink;
    if (s) s.i32(v);
    else super.writeI32(v);
  }

  writeDouble(v: number): void {
    const s = this.sink;
    if (s) s.double(v);
    else super.writeDouble(v);
  }

  writeStringOrBinary(name: string, encoding: BufferEncoding, arg: unknown): void {
    const s = this.sink;
    if (!s) return super.writeStringOrBinary(name, encoding, arg);
    if (typeof arg === 'string') {
      const n = Buffer.byteLength(arg, encoding);
      s.i32(n);
      s.string(arg, encoding, n);
    } else if (arg instanceof Uint8Array) {
      s.i32(arg.length);
      s.bytes(arg);
    } else {
      throw new Error(`${name} called without a string/Buffer argument: ${String(arg)}`);
    }
  }
}
