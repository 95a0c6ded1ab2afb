// Each target syntax gives back the exact secret when its own parser reads it: JSON and YAML by their
// parsers, redis.conf by a real redis-server (requirepass and an ACL user), XML by entity decoding.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { Redis } from 'ioredis';
import { fillWith, SECRET_SYNTAX } from './secrets-fill.ts';

const HOSTILE = [`p@ss'w"o\\rd $HOME #1 %s 密码口令 \`id\` ]]> <x/> &amp; ${'x'.repeat(40)}`, "it's", 'back\\slash\\', '"quoted"', '# not a comment', '  spaced  '];
const fill = (text: string, v: string) => fillWith(text, new Map([['pw', v]]));

describe('secrets written for their target syntax', () => {
  it('JSON, YAML (single-quoted) and XML give back the exact value', () => {
    for (const v of HOSTILE) {
      expect(JSON.parse(fill('{"password": "{{secret:pw:json}}"}', v)).password).toBe(v);
      expect(YAML.parse(fill("password: '{{secret:pw:yaml-sq}}'\nusers:\n  - 'etc@%:{{secret:pw:yaml-sq}}'\n", v))).toEqual({ password: v, users: [`etc@%:${v}`] });
      const xml = fill('<writeHost password="{{secret:pw:xml}}"/>', v);
      const attr = /password="([^"]*)"/.exec(xml)![1]!;
      expect(attr).not.toMatch(/[<>']/);
      expect(attr.replace(/&(lt|gt|quot|apos|amp);/g, (_m, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!)).toBe(v);
    }
  });

  it('SQL: quotes doubled, backslashes escaped (MariaDB default sql_mode)', () => {
    expect(SECRET_SYNTAX.sql(`a'b\\c`)).toBe(`a''b\\\\c`);
    expect(fill("IDENTIFIED BY '{{secret:pw:sql}}'", "x' OR '1'='1")).toBe("IDENTIFIED BY 'x'' OR ''1''=''1'");
  });

  it('an unknown syntax is an error naming the placeholder', () => {
    expect(() => fill('{{secret:pw:toml}}', 'whatever-pw')).toThrow(/secret placeholder \{\{secret:pw:toml\}\}: unknown syntax/);
  });

  it('redis.conf: a real redis-server reads requirepass and an ACL user password back exactly', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'etclab-redis-'));
    const [main, reader] = [HOSTILE[0]!, `${HOSTILE[1]} ${HOSTILE[2]} ${HOSTILE[3]}`];
    const conf = path.join(dir, 'redis.conf');
    writeFileSync(conf, `${fillWith(`bind 127.0.0.1\nport ${port}\ndir ${dir}\nsave ""\nappendonly no\nrequirepass {{secret:main:redis}}\nuser reader on {{secret:reader:redis-acl}} ~etc:* -@all +@read +@connection\n`, new Map([['main', main], ['reader', reader]]))}`);
    const server = spawn('redis-server', [conf], { stdio: 'ignore' });
    try {
      let r: Redis | undefined;
      for (let i = 0; i < 50 && !r; i++) {
        const c = new Redis({ host: '127.0.0.1', port, password: main, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        c.on('error', () => {});
        r = await c.connect().then(() => c, () => (c.disconnect(), undefined));
        if (!r) await new Promise((res) => setTimeout(res, 100));
      }
      expect(await r!.ping()).toBe('PONG');
      await r!.set('etc:k', 'v');
      r!.disconnect();
      const ro = new Redis({ host: '127.0.0.1', port, username: 'reader', password: reader, lazyConnect: true, enableReadyCheck: false });
      await ro.connect();
      expect(await ro.get('etc:k')).toBe('v');
      await expect(ro.set('etc:k', 'w')).rejects.toThrow(/NOPERM/);
      ro.disconnect();
    } finally {
      server.kill('SIGKILL');
    }
  });
});
