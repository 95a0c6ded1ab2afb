// The k9s-style key strip: "<s> start  <x> stop …", wrapped to the terminal width.
import { textWidth } from './text-width.ts';

export interface KeyBinding {
  key: string;
  label: string;
}

export function legendLines(keys: KeyBinding[], width: number): string[] {
  const items = keys.map((k) => `<${k.key}> ${k.label}`);
  const lines: string[] = [];
  let cur = '';
  for (const it of items) {
    const next = cur ? `${cur}  ${it}` : it;
    if (cur && textWidth(next) > width) {
      lines.push(cur);
      cur = it;
    } else cur = next;
  }
  if (cur) lines.push(cur);
  return lines;
}
