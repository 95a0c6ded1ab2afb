// `npm run bench`: one run, rates and ratios printed. Sections that need something absent say why and move on.
import { benchFoundation } from './foundation.ts';

type Section = { name: string; run: () => Promise<Record<string, number | string>> };

const sections: Section[] = [{ name: 'foundation (lab: up, status)', run: benchFoundation }];

for (const mod of ['./clean.ts', './detector.ts', './stack.ts', './replay.ts', './pipeline.ts', './dashboard.ts', './event-time.ts', './reset.ts', './lab.ts']) {
  try {
    const m = await import(mod);
    for (const [k, fn] of Object.entries(m)) if (k.startsWith('bench') && typeof fn === 'function') sections.push({ name: `${mod.slice(2, -3)} (${k})`, run: fn as Section['run'] });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw e;
  }
}

const only = process.argv[2];
for (const s of sections) {
  if (only && !s.name.includes(only)) continue;
  process.stderr.write(`\n== ${s.name}\n`);
  try {
    const figures = await s.run();
    for (const [k, v] of Object.entries(figures)) console.log(`${s.name.split(' ')[0]}.${k}\t${typeof v === 'number' ? +v.toFixed(3) : v}`);
  } catch (e) {
    console.log(`${s.name.split(' ')[0]}\tskipped: ${(e as Error).message}`);
  }
}
