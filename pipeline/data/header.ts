import { CLEAN_COLUMNS, RAW_COLUMNS } from './record.ts';

export type ExportFormat = 'clean' | 'raw';

export interface HeaderLayout {
  format: ExportFormat;
  /** Canonical column name → index in the row. */
  index: Record<string, number>;
  width: number;
}

// Names seen in different months' exports (Chinese labels, lower case, spaced) for the same columns.
const ALIASES: Record<string, string> = {
  过车序号: 'GCXH', 唯一ID: 'GCXH', ID: 'GCXH',
  行政区划: 'XZQHMC', 行政区划名称: 'XZQHMC', XZQH: 'XZQHMC',
  卡口名称: 'KKMC', 卡口: 'KKMC', 具体卡口: 'KKMC',
  方向: 'FXLX', 行车方向: 'FXLX', 方向类型: 'FXLX',
  过车时间: 'GCSJ',
  号牌种类: 'HPZL', 号牌种类名称: 'HPZL_LABEL',
  号牌号码: 'HPHM', 车牌: 'HPHM', 车牌号: 'HPHM', 车牌号码: 'HPHM',
  车辆品牌型号: 'CLPPXH', 车辆品牌: 'CLPPXH', 品牌型号: 'CLPPXH', 车牌类型: 'CLPPXH',
  HPZLMC: 'HPZL_LABEL',
};

export function canonicalColumnName(name: string): string {
  const t = name.replace(/^\uFEFF/, '').trim().replace(/^"|"$/g, '').trim();
  const upper = t.toUpperCase().replace(/[\s-]+/g, '_');
  return ALIASES[t] ?? ALIASES[upper] ?? upper;
}

export type HeaderResult = { ok: true; layout: HeaderLayout } | { ok: false; message: string };

/** Decides the export format from the header by column names, so column order does not matter. */
export function detectHeader(fields: string[]): HeaderResult {
  const index: Record<string, number> = {};
  for (const [i, f] of fields.entries()) {
    const name = canonicalColumnName(f);
    if (name === '') continue;
    if (name in index) return { ok: false, message: `column ${name} appears twice (columns ${index[name] + 1} and ${i + 1})` };
    index[name] = i;
  }
  const missing = (cols: readonly string[]) => cols.filter((c) => !(c in index));
  const missClean = missing(CLEAN_COLUMNS);
  if (missClean.length === 0) return { ok: true, layout: { format: 'clean', index, width: fields.length } };
  const missRaw = missing(RAW_COLUMNS);
  if (missRaw.length === 0) return { ok: true, layout: { format: 'raw', index, width: fields.length } };
  const shown = fields.slice(0, 20).join(',');
  const [closest, miss] = missRaw.length < missClean.length ? ['raw 8-column', missRaw] : ['cleaned 16-column', missClean];
  return {
    ok: false,
    message: `first line is not a recognised header (closest: ${closest} format, missing ${miss.join(', ')}); got "${shown.slice(0, 200)}"`,
  };
}
