// Helpers for tests: small raw and cleaned exports written to a temp dir in a chosen encoding.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';

export const RAW_HEADER = 'GCXH,XZQHMC,KKMC,FXLX,GCSJ,HPZL,HPHM,CLPPXH';

/** Raw-export rows in the shape the user described on 2025-12-02. */
export const RAW_ROWS = [
  '320300108854425145,邳州市,S251省道K5苏鲁界省际卡口,1,2023/12/1 0:08:00,02,苏C08***,大众牌-朗逸-2019_2020',
  '320300108854425146,睢宁县,S325K63宿迁界市际卡口,2,2023/12/1 0:09:05,-,苏CD7***,',
  '320300108854425147,丰县,G518K358苏鲁界,1,2023/12/1 13:30,52,鲁Q97***,奇瑞牌-Π1-未知',
];

export function tmpDir(prefix = 'etcdata-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface WriteOpts {
  encoding?: 'utf-8' | 'gbk';
  bom?: boolean;
  eol?: '\n' | '\r\n';
}

export function writeCsv(dir: string, name: string, lines: readonly string[], o: WriteOpts = {}): string {
  const text = lines.join(o.eol ?? '\n') + (o.eol ?? '\n');
  const body = o.encoding === 'gbk' ? iconv.encode(text, 'gbk') : Buffer.from(text, 'utf8');
  const path = join(dir, name);
  writeFileSync(path, o.bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body);
  return path;
}
