// Renders resources/icon.svg to resources/icon.png (512×512) with the same Chromium the tests
// use, so the icon has one source and no image tool is needed. Run: node --import tsx scripts/make-icons.ts
import fs from 'node:fs';
import path from 'node:path';
import { launchChromium } from '../test/support/browser';

const resources = path.join(import.meta.dirname, '..', 'resources');
const svg = fs.readFileSync(path.join(resources, 'icon.svg'), 'utf8');
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 512, height: 512 } });
await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
await page.locator('svg').screenshot({ path: path.join(resources, 'icon.png'), omitBackground: true });
await browser.close();
console.log('wrote resources/icon.png');
