import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, serveApp, type ServedApp } from '../support/browser';

/**
 * Issue 14: cookies are not port-scoped and SameSite counts every port of 127.0.0.1 as the same
 * site, so a page served by any other local port makes the browser send the session cookie. Such
 * a page must reach nothing of the host (no download, no call, no crash) while the real page,
 * in the same browser, keeps working.
 */

/** The hostile page: everything a page can make a browser send to another origin, with results noted in window.results. */
function attackPage(target: string): string {
  const ws = target.replace('http:', 'ws:');
  return `<!doctype html><html><body>
<img src="${target}/exports/%00"><img src="${target}/exports/run-1.csv"><img src="${target}/">
<iframe src="${target}/"></iframe><iframe src="${target}/exports/run-1.csv"></iframe>
<script src="${target}/assets/index.js"></script>
<link rel="stylesheet" href="${target}/assets/index.css">
<form id="f" method="POST" action="${target}/uploads" enctype="text/plain" target="sink"><input name="a" value="b"></form>
<iframe name="sink"></iframe>
<iframe name="sink2"></iframe>
<a id="dl" href="${target}/exports/run-1.csv" download target="sink2">download</a>
<script>
window.results = {};
const note = (k, v) => (window.results[k] = v);
const tries = [];
for (const [k, url, init] of [
  ['root', '${target}/', {}],
  ['export', '${target}/exports/run-1.csv', {}],
  ['export-guessed-csrf', '${target}/exports/run-1.csv?csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', {}],
  ['nul', '${target}/exports/%00', {}],
  ['upload', '${target}/uploads', { method: 'POST', body: 'symphony_email,target_upn\\nx@y.com,x@y.com\\n' }],
  ['cors-read', '${target}/', { mode: 'cors' }],
]) {
  tries.push(fetch(url, { credentials: 'include', mode: 'no-cors', ...init }).then((r) => note(k, r.type + ':' + r.status), (e) => note(k, 'failed')));
}
for (const [k, url] of [['ws', '${ws}/ws'], ['ws-guessed-csrf', '${ws}/ws?csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']]) {
  tries.push(new Promise((resolve) => {
    const s = new WebSocket(url);
    s.onopen = () => { note(k, 'open'); s.send(JSON.stringify({ type: 'call', id: 1, name: 'connectors.create', input: { name: 'evil' } })); resolve(); };
    s.onerror = () => { note(k, 'error'); resolve(); };
  }));
}
document.getElementById('f').submit();
document.getElementById('dl').click();
Promise.all(tries).then(() => note('done', true));
</script></body></html>`;
}

describe('a page on another loopback port', () => {
  let app: ServedApp;
  let browser: Browser;
  let context: BrowserContext;
  let real: Page;
  let foreign: http.Server;
  let foreignUrl: string;

  beforeAll(async () => {
    app = await serveApp();
    fs.writeFileSync(path.join(app.core.paths.exports, 'run-1.csv'), 'item,status\n1,delivered\n');
    browser = await launchChromium();
    context = await browser.newContext({ acceptDownloads: true });
    foreign = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(attackPage(`http://127.0.0.1:${app.host.port}`));
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    foreignUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await browser?.close();
    foreign?.close();
    await app?.close();
  });

  it('reaches no route of the host with the cookie, while the real page keeps working', async () => {
    // The officer has the app open: the browser holds the session cookie for 127.0.0.1.
    real = await context.newPage();
    await real.goto(app.host.url);
    await expect.poll(() => real.getByTestId('status-version').textContent()).toMatch(/browser host/);
    const cookies = await context.cookies(`http://127.0.0.1:${app.host.port}/`);
    expect(cookies.map((c) => [c.name, c.sameSite, c.httpOnly])).toEqual([[`archiver-session-${app.host.port}`, 'Strict', true]]);

    // Everything the hostile page makes the browser send to the host, and what came back.
    const answers: { url: string; status: number | 'failed' }[] = [];
    const downloads: string[] = [];
    context.on('download', (d) => downloads.push(d.url()));
    const hostOrigin = `http://127.0.0.1:${app.host.port}`;
    const fromForeign = (frameUrl: string | undefined) => frameUrl?.startsWith(foreignUrl) ?? false;
    context.on('response', (res) => {
      if (res.url().startsWith(hostOrigin) && fromForeign(res.request().headers()['referer'] ?? res.frame().page().url())) answers.push({ url: res.url(), status: res.status() });
    });
    context.on('requestfailed', (req) => {
      if (req.url().startsWith(hostOrigin) && fromForeign(req.frame().page().url())) answers.push({ url: req.url(), status: 'failed' });
    });

    const evil = await context.newPage();
    await evil.goto(foreignUrl);
    await expect.poll(() => evil.evaluate(() => (window as unknown as { results: Record<string, unknown> }).results.done)).toBe(true);
    const results = await evil.evaluate(() => (window as unknown as { results: Record<string, string> }).results);
    // Opaque answers (the page cannot read them) and sockets that never open.
    expect(results).toMatchObject({ ws: 'error', 'ws-guessed-csrf': 'error', 'cors-read': 'failed' });
    // The hidden form and the download link navigate: wait until those answers arrived too.
    await expect.poll(() => answers.filter((a) => a.url.includes('/uploads')).length).toBeGreaterThan(0);

    expect(answers.length).toBeGreaterThanOrEqual(8);
    // Every request that reached the host was refused (403), or never got an answer at all.
    expect(answers.filter((a) => a.status !== 403 && a.status !== 'failed')).toEqual([]);
    expect(downloads).toEqual([]);
    expect(app.core.connectors.list().map((c) => c.name)).not.toContain('evil');
    expect(fs.readdirSync(app.core.paths.uploads)).toEqual([]);

    // The host is up and the real page still calls, subscribes and downloads.
    app.core.connectors.create('Acme pod');
    app.core.events.emit('connectors.changed', { id: 'x' });
    await expect.poll(() => real.locator('#editor').getByText('Acme pod').isVisible()).toBe(true);
    const download = await real.evaluate(async () => {
      const res = await fetch(`/exports/run-1.csv?csrf=${localStorage.getItem('archiver-csrf')}`);
      return { status: res.status, body: await res.text() };
    });
    expect(download).toEqual({ status: 200, body: 'item,status\n1,delivered\n' });
    await evil.close();
  });
});
