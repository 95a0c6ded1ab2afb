// Servers on 127.0.0.1 that answer the way a refusing store does, so tests get the errors the real drivers raise.
import net from 'node:net';

export async function listenLocal(s: net.Server): Promise<number> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as net.AddressInfo).port;
}

/** A MySQL server that greets every client with one ERR packet (as mysqld does for "host not allowed"). */
export function mysqlRefusing(errno: number, sqlState: string, message: string): net.Server {
  return net.createServer((sock) => {
    const body = Buffer.concat([Buffer.from([0xff, errno & 0xff, errno >> 8]), Buffer.from(`#${sqlState}${message}`)]);
    const head = Buffer.from([body.length & 0xff, (body.length >> 8) & 0xff, body.length >> 16, 0]);
    sock.end(Buffer.concat([head, body]));
  });
}

/** A Redis server that answers every command (one RESP array each; ours hold no '*') with the same error reply. */
export function redisReplying(reply: string): net.Server {
  return net.createServer((sock) =>
    sock.on('data', (d) => {
      for (let n = d.toString('latin1').match(/(?:^|\r\n)\*\d+\r\n/g)?.length ?? 0; n > 0; n--) sock.write(`-${reply}\r\n`);
    }),
  );
}
