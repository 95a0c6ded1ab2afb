import type { CheckReport, FileCheck } from './check.ts';

/** Left-aligned text table; widths from the longest cell, counting CJK characters as two columns. */
export function table(header: string[], rows: string[][]): string {
  const w = (s: string) => [...s].reduce((n, ch) => n + (/[\u2e80-\uffef]/.test(ch) ? 2 : 1), 0);
  const widths = header.map((h, i) => Math.max(w(h), ...rows.map((r) => w(r[i] ?? ''))));
  const fmt = (r: string[]) => r.map((c, i) => c + ' '.repeat(widths[i] - w(c))).join('  ').trimEnd();
  return [fmt(header), fmt(widths.map((n) => '-'.repeat(n))), ...rows.map(fmt)].join('\n');
}

const kv = (m: Record<string, number>) => Object.entries(m).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`).join(' ') || '-';
const hours = (ms: string) => `${Number(ms) / 3_600_000}h`;

function fileRow(f: FileCheck): string[] {
  if (f.error) return [f.file, 'ERROR', '', '', '', '', '', '', '', f.error];
  const rejected = Object.values(f.rejected).reduce((a, b) => a + b, 0);
  const gaps = f.gaps.map((g) => `${g.from.slice(11, 16)}-${g.to.slice(11, 16)}`).join(' ');
  const ts = f.tsDisagree ? `${f.tsDisagree} off by ${Object.keys(f.tsOffsets).map(hours).join('/')}` : 'ok';
  return [
    f.file, `${f.format}/${f.encoding}${f.bom ? '+BOM' : ''}`, String(f.rows), String(f.accepted), String(rejected),
    String(f.duplicatesWithin + f.duplicatesAcross), f.first?.slice(11) ?? '-', f.last?.slice(11) ?? '-', gaps || '-', ts,
  ];
}

export function renderCheckReport(r: CheckReport): string {
  const t = r.total;
  const out: string[] = [];
  out.push(table(['file', 'format', 'rows', 'clean', 'rejected', 'dup GCXH', 'first', 'last', 'gaps >= 30 min', 'GCSJ_TS'], r.files.map(fileRow)));
  const offDay = r.files.filter((f) => f.offDayRows > 0).map((f) => `${f.file}: ${f.offDayRows} rows dated ${kv(f.offDays)}`);
  out.push('');
  out.push(`total: ${t.files} files (${t.fileErrors} unreadable), ${t.rows} rows, ${t.accepted} clean, ${t.rows - t.accepted} rejected`);
  out.push(`  rejected by reason: ${kv(t.rejected)}`);
  out.push(`  duplicate GCXH: ${t.duplicatesWithin} within a file, ${t.duplicatesAcross} across files`);
  out.push(`  time span: ${t.first ?? '-'} .. ${t.last ?? '-'} (Beijing); ${t.gapCount} gaps >= 30 min totalling ${t.gapMinutes} min`);
  out.push(`  days with no file: ${t.missingDays.join(' ') || 'none'}`);
  out.push(`  rows dated outside their file's day: ${offDay.length ? offDay.join('; ') : 'none'}`);
  out.push(`  GCSJ_TS disagrees with GCSJ as Beijing time: ${t.tsDisagree} rows; offsets seen: ${Object.entries(t.tsOffsets).map(([k, v]) => `${hours(k)} (${v})`).join(', ') || 'none'}`);
  out.push(`  CLEAN_KKMC not road-K-level (rewritten by clean): ${kv(t.checkpointIdsFixed)}`);
  out.push(`  files with the same passages on another date: ${t.sameContent.map((g) => g.join(' = ')).join('; ') || 'none'}`);
  const plates = Object.entries(t.failingPlates).sort((a, b) => b[1] - a[1]);
  out.push(`  plates failing the rule: ${plates.reduce((s, [, v]) => s + v, 0)} rows, ${plates.length} distinct; most common: ${plates.slice(0, 8).map(([k, v]) => `${k}(${v})`).join(' ') || '-'}`);
  out.push('');
  const cps = Object.entries(t.perCheckpoint).sort((a, b) => a[0].localeCompare(b[0]));
  out.push(table(['checkpoint (CLEAN_KKMC)', 'rows'], cps.map(([k, v]) => [k, String(v)])));
  const examples = r.files.flatMap((f) => f.examples).slice(0, 10);
  if (examples.length) out.push('', 'examples:', ...examples.map((e) => `  ${e}`));
  return out.join('\n');
}
