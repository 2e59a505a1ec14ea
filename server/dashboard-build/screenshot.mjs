// Screenshot of a running node's dashboard in Debian's headless Chromium (how docs/dashboard.png is made):
//   cd server/dashboard-build && npm install && node screenshot.mjs [URL] [OUT] [SECONDS]
// defaults: http://127.0.0.1:8080/dashboard, ../../docs/dashboard.png, 60 (seconds of live updates before the shot).
// Exits non-zero if the page logged a console error.
import { chromium } from 'playwright-core';

const url = process.argv[2] || 'http://127.0.0.1:8080/dashboard';
const out = process.argv[3] || '../../docs/dashboard.png';
const seconds = Number(process.argv[4] || 60);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1500 } });
const errors = [];
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
page.on('pageerror', (e) => errors.push(String(e)));
await page.goto(url);
await page.waitForTimeout(seconds * 1000);
await page.screenshot({ path: out, fullPage: true });
await browser.close();
console.log(`wrote ${out}; console errors: ${errors.length}`);
for (const e of errors) { console.error(e); }
process.exit(errors.length ? 1 : 0);
