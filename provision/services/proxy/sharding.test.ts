import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { javaStringHashCode, keyOnShard, mycatShardFor, shardFor, wangJenkinsHash } from './sharding.ts';

const SAMPLES = ['S250-K1-省际卡口', 'G3-K731-省际卡口', 'X308-K12-市际卡口', 'G30-K216-市际卡口', 'abc', '', "it's", ' padded ', 'Aa', 'BB'];

describe('shard functions', () => {
  it('reproduce Java String.hashCode on known values', () => {
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('abc')).toBe(96354);
    // "polygenelubricants".hashCode() == Integer.MIN_VALUE: the case where int abs and long abs differ.
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
    expect(shardFor('polygenelubricants', 3)).toBe(2147483648 % 3);
  });

  it('spread the checkpoints over every shard and stay in range', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 60; i++) {
      const s = shardFor(`G${i}-K${i * 7}-省际卡口`, 3);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThan(3);
      seen.add(s);
    }
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });

  it('find a key for each shard', () => {
    for (let shard = 0; shard < 3; shard++) {
      expect(shardFor(keyOnShard('shardingsphere', shard, 3, 'k'), 3)).toBe(shard);
      expect(mycatShardFor(keyOnShard('mycat', shard, 3, 'k'), 3)).toBe(shard);
    }
  });

  it('rejects a non-positive shard count', () => {
    expect(() => shardFor('x', 0)).toThrow(/positive integer/);
  });
});

const hasJava = spawnSync('java', ['-version']).status === 0;

// Ground truth from a JVM: int arithmetic in JS (imul, |0, >>) must wrap exactly like Java's.
describe.skipIf(!hasJava)(`shard functions against the JVM${hasJava ? '' : ' (skipped: no \`java\` on PATH: apt-get install openjdk-17-jdk-headless)'}`, () => {
  it('match Java for hashCode, HASH_MOD and MyCat PartitionByHashMod', () => {
    const dir = mkdtempSync(join(tmpdir(), 'etclab-shard-'));
    try {
      // The MyCat part is PartitionByHashMod.calculate from Mycat-Server 1.6, transcribed.
      writeFileSync(
        join(dir, 'Shard.java'),
        `import java.math.BigInteger;
public class Shard {
  static int hash(int key) {
    key = (~key) + (key << 21); key = key ^ (key >> 24); key = (key + (key << 3)) + (key << 8);
    key = key ^ (key >> 14); key = (key + (key << 2)) + (key << 4); key = key ^ (key >> 28); key = key + (key << 31);
    return key;
  }
  public static void main(String[] args) throws Exception {
    java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, "UTF-8"));
    String line;
    while ((line = r.readLine()) != null) {
      String v = new String(java.util.Base64.getDecoder().decode(line), "UTF-8");
      long ss = Math.abs((long) v.hashCode()) % 3;
      String m = v.replace("'", " ").trim();
      int my = new BigInteger(hash(m.hashCode()) + "").abs().mod(BigInteger.valueOf(3)).intValue();
      System.out.println(v.hashCode() + " " + hash(v.hashCode()) + " " + ss + " " + my);
    }
  }
}
`,
      );
      const input = SAMPLES.map((s) => Buffer.from(s, 'utf8').toString('base64')).join('\n') + '\n';
      const out = execFileSync('java', [join(dir, 'Shard.java')], { input, encoding: 'utf8', timeout: 60_000 }).trim().split('\n');
      const expected = SAMPLES.map(
        (s) => `${javaStringHashCode(s)} ${wangJenkinsHash(javaStringHashCode(s))} ${shardFor(s, 3)} ${mycatShardFor(s, 3)}`,
      );
      expect(out).toEqual(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
