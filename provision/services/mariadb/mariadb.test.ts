// MariaDB behind MyCat: lower_case_table_names=1 from the first start; a data directory made with the other
// value is refused (run for real in bash on a temp dir), never converted.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureInventory } from '../../../test/fixtures/inventory.ts';
import { mariadb } from './index.ts';

function daemon(engine: 'mycat' | 'shardingsphere', home: string) {
  const inv = fixtureInventory(['zookeeper', 'redis', 'mariadb', 'proxy']);
  inv.services.proxy!.settings.engine = engine;
  return mariadb.daemon({ inventory: inv, spec: inv.services.mariadb!, service: 'mariadb', role: 'server', node: inv.nodes[0]!, home, members: {} } as never);
}

describe('mariadb shards under MyCat', () => {
  it('my.cnf sets lower_case_table_names=1 with MyCat, 0 with ShardingSphere-Proxy', () => {
    const cnf = (e: 'mycat' | 'shardingsphere') => daemon(e, '/lab/node1/mariadb').files[0]!.content;
    expect(cnf('mycat')).toMatch(/^lower_case_table_names=1$/m);
    expect(cnf('shardingsphere')).toMatch(/^lower_case_table_names=0$/m);
  });

  it('a data directory made with lower_case_table_names=0 is refused under MyCat, naming what to do', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'etclab-mariadb-'));
    mkdirSync(path.join(home, 'data', 'mysql'), { recursive: true });
    writeFileSync(path.join(home, 'data', 'etclab-lower-case-table-names'), '0\n');
    const run = (e: 'mycat' | 'shardingsphere') => {
      try {
        execFileSync('bash', ['-c', daemon(e, home).prestart!], { stdio: 'pipe' });
        return 'ok';
      } catch (err) {
        return String((err as { stderr: Buffer }).stderr);
      }
    };
    expect(run('shardingsphere')).toBe('ok');
    expect(run('mycat')).toMatch(/made with lower_case_table_names=0; MyCat \(services\.proxy\.settings\.engine: mycat\) needs 1\. .*etclab down --purge/);
  });
});
