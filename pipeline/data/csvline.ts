/**
 * Splits one CSV record (RFC 4180 quoting, "" escapes a quote). Returns null when a quoted field
 * is still open at the end of the text, so the caller can join the next physical line.
 */
export function splitCsvRecord(text: string): string[] | null {
  if (!text.includes('"')) return text.split(',');
  const out: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false; i++; continue;
      }
      field += ch; i++; continue;
    }
    if (ch === '"') { quoted = true; i++; continue; }
    if (ch === ',') { out.push(field); field = ''; i++; continue; }
    field += ch; i++;
  }
  if (quoted) return null;
  out.push(field);
  return out;
}

/** Quotes a field only when it needs it, so clean output stays byte-identical in the common case. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(fields: readonly string[]): string {
  return fields.map(csvField).join(',');
}
