// Headless Chromium (Debian's package) driven through puppeteer-core: the dashboard's browser tests and the
// README's screenshot script share it.
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

export async function launch(): Promise<Browser> {
  if (!CHROMIUM) throw new Error('no chromium: apt-get install chromium (scripts/setup installs it)');
  // --no-sandbox: the tests run as root, which Chromium's sandbox refuses.
  return puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** A page at 1920×1080 that records every URL it requests. */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; requests: string[] }> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1920, height: 1080 });
  const requests: string[] = [];
  page.on('request', (r) => void requests.push(r.url()));
  await page.goto(url, { waitUntil: 'networkidle0', timeout: 60_000 });
  return { page, requests };
}

/** Each canvas of the page: its size and how many of its pixels are drawn (not transparent). */
export async function canvasInk(page: Page): Promise<Array<{ id: string; width: number; drawn: number }>> {
  return page.evaluate(() =>
    [...document.querySelectorAll('canvas')].map((c) => {
      const ctx = (c as HTMLCanvasElement).getContext('2d')!;
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let drawn = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) drawn++;
      return { id: c.closest('[id]')?.id ?? '', width: c.width, drawn };
    }),
  );
}
