// A consumer's MySQL writes and nothing else, to be killed -9 mid-transaction by pipeline/sinks/mysql.local.test.ts:
// from the stored offset to the end of the synthetic stream, in chunks. Prints `ready` once connected.
import { MysqlSink } from '../pipeline/sinks/mysql.ts';
import { syntheticRecords } from './synthetic-passages.ts';

const [n, chunk, group, topic, partition] = process.argv.slice(2);
const ep = JSON.parse(process.env.ETCLAB_TEST_MYSQL ?? '{}');
const sink = MysqlSink.create({ ...ep, password: process.env.ETCLAB_TEST_MYSQL_PASSWORD ?? '' });
const records = syntheticRecords(Number(n));
const p = Number(partition);
let next = (await sink.storedOffsets(group!, topic!)).get(p) ?? 0;
process.stdout.write('ready\n');
while (next < records.length) {
  const part = records.slice(next, next + Number(chunk));
  const end = part.at(-1)!.offset + 1;
  await sink.apply({ group: group!, topic: topic!, partition: p, records: part, nextOffset: end });
  next = end;
}
await sink.close();
process.stdout.write('done\n');
