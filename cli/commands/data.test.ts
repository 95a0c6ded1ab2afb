import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { RAW_HEADER, RAW_ROWS, tmpDir, writeCsv } from '../../pipeline/data/testkit.ts';
import { registerDataCommands } from './data.ts';

const { dir, cleanup } = tmpDir('etcdata-cli-');
afterAll(cleanup);
afterEach(() => { vi.restoreAllMocks(); process.exitCode = undefined; });

async function run(...args: string[]): Promise<string> {
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
  const p = new Command().exitOverride();
  registerDataCommands(p);
  await p.parseAsync(['node', 'etclab', ...args]);
  return out.join('\n');
}

describe('etclab data', () => {

  it('check --json reports per file and in total', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'in'), { recursive: true });
    writeCsv(join(dir, 'in'), '2023-12-01.csv', [RAW_HEADER, ...RAW_ROWS, '1,丰县,S250K1,1,2023/12/1 1:00,02,苏1Y8***,'], { encoding: 'gbk' });
    writeCsv(join(dir, 'in'), 'garbage.csv', ['%PDF-1.7 \x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19']);
    const report = JSON.parse(await run('data', 'check', '--json', join(dir, 'in')));
    expect(report.files[0]).toMatchObject({ file: '2023-12-01.csv', encoding: 'gb18030', format: 'raw', rows: 4, accepted: 3, rejected: { 'bad-plate': 1 } });
    expect(report.files[0].examples).toEqual(['2023-12-01.csv:5: bad-plate: HPHM "苏1Y8***" does not match the plate rule']);
    expect(report.files[1].error).toMatch(/^garbage\.csv: .*not a CSV file/);
    expect(report.total).toMatchObject({ rows: 4, accepted: 3, fileErrors: 1 });
    expect(process.exitCode).toBe(1);
  });

  it('check prints a table by default', async () => {
    const text = await run('data', 'check', join(dir, 'in', '2023-12-01.csv'));
    expect(text).toMatch(/^file\s+format\s+rows\s+clean\s+rejected/);
    expect(text).toContain('rejected by reason: bad-plate=1');
    expect(text).toMatch(/S251-K5-省际卡口\s+1/);
  });

  it('clean writes output and quarantine', async () => {
    const out = join(dir, 'out');
    await run('data', 'clean', join(dir, 'in', '2023-12-01.csv'), '--out', out);
    expect(existsSync(join(out, '2023-12-01.csv'))).toBe(true);
    expect(existsSync(join(out, '2023-12-01.quarantine.csv'))).toBe(true);
  });
});
