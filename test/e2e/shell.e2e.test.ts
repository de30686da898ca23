import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Browser } from 'playwright-core';
import { signInThroughPage } from '../../electron/host/sign-in-page';
import { launchChromium, screenshot, serveApp, type ServedApp } from '../support/browser';
import { csrfOf } from '../support/host-session';

function get(port: number, pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathname, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
  });
}

function tryWebSocket(port: number, headers: Record<string, string>, csrf?: string): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws${csrf ? `?csrf=${csrf}` : ''}`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
}

describe('browser host', () => {
  let app: ServedApp;
  let browser: Browser;

  beforeAll(async () => {
    app = await serveApp();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('shows the app shell at the printed URL and answers contract calls over the socket', async () => {
    const page = await browser.newPage();
    await page.goto(app.host.url);
    // The token is traded for a cookie and removed from the address bar.
    await expect.poll(() => page.url()).not.toContain('tkn=');
    await expect.poll(() => page.getByRole('heading', { name: 'Symphony Archiver' }).isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('status-version').textContent()).toMatch(/Symphony Archiver \d+\.\d+\.\d+ · browser host/);
    await expect.poll(() => page.getByTestId('no-connectors').isVisible()).toBe(true);
    await expect.poll(() => page.getByRole('navigation', { name: 'Views' }).isVisible()).toBe(true);
    await screenshot(page, 'shell');

    // A connector created through the core appears without reload: events reach the page.
    app.core.connectors.create('Acme pod');
    app.core.events.emit('connectors.changed', { id: 'x' });
    await expect.poll(() => page.locator('#editor').getByText('Acme pod').isVisible()).toBe(true);
    await page.close();
  });

  it('refuses the same URL without the token, with a wrong token, or with a foreign Host', async () => {
    const url = new URL(app.host.url);
    expect((await get(app.host.port, '/')).status).toBe(403);
    expect((await get(app.host.port, '/?tkn=wrong')).status).toBe(403);
    const withToken = await get(app.host.port, url.pathname + url.search);
    expect(withToken.status).toBe(200);
    const setCookie = String(withToken.headers['set-cookie']);
    // The session cookie carries the port in its name and is HttpOnly, SameSite=Strict, Path=/;
    // the CSRF value is only in the page answering the token URL, never in a cookie.
    expect(setCookie).toMatch(new RegExp(`^archiver-session-${app.host.port}=[\\w-]{43}; HttpOnly; SameSite=Strict; Path=/$`));
    expect(setCookie).not.toContain(app.host.token);
    const csrf = csrfOf(withToken.body)!;
    expect(csrf).toMatch(/^[\w-]{43}$/);
    const cookie = setCookie.split(';')[0]!;
    const plain = await get(app.host.port, '/', { cookie });
    expect(plain.status).toBe(200);
    // The cookie alone (which any other server on 127.0.0.1 the browser visits receives too) never shows the CSRF value.
    expect(csrfOf(plain.body)).toBeUndefined();
    // DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends its own Host.
    expect((await get(app.host.port, url.pathname + url.search, { host: `evil.example:${app.host.port}` })).status).toBe(403);
    expect((await get(app.host.port, '/', { cookie, host: `evil.example:${app.host.port}` })).status).toBe(403);

    // Exports are served for download, with the token, and nothing outside the exports folder.
    fs.writeFileSync(path.join(app.core.paths.exports, 'run-1.csv'), 'item,status\n');
    expect((await get(app.host.port, `/exports/run-1.csv?csrf=${csrf}`)).status).toBe(403);
    // The cookie alone (what any other server on 127.0.0.1 would receive too) downloads nothing.
    expect((await get(app.host.port, '/exports/run-1.csv', { cookie })).status).toBe(403);
    expect((await get(app.host.port, '/exports/run-1.csv?csrf=wrong', { cookie })).status).toBe(403);
    const exported = await get(app.host.port, `/exports/run-1.csv?csrf=${csrf}`, { cookie });
    expect(exported).toMatchObject({ status: 200, body: 'item,status\n' });
    expect(exported.headers['content-disposition']).toMatch(/^attachment; filename\*=UTF-8''run-1\.csv$/);
    for (const evil of ['/exports/../archiver.db', '/exports/%2e%2e/archiver.db', '/exports/..%2farchiver.db', '/exports/', '/exports/%00']) {
      expect((await get(app.host.port, `${evil}?csrf=${csrf}`, { cookie })).status, evil).toBe(404);
    }
  });

  it('opens the WebSocket only with the cookie, the CSRF value and a matching Origin', async () => {
    const url = new URL(app.host.url);
    const withToken = await get(app.host.port, url.pathname + url.search);
    const cookie = String(withToken.headers['set-cookie']).split(';')[0]!;
    const csrf = csrfOf(withToken.body)!;
    const origin = `http://127.0.0.1:${app.host.port}`;
    expect(await tryWebSocket(app.host.port, { cookie, origin }, csrf)).toBe('open');
    expect(await tryWebSocket(app.host.port, { cookie, origin })).toBe(403);
    expect(await tryWebSocket(app.host.port, { origin }, csrf)).toBe(403);
    expect(await tryWebSocket(app.host.port, { cookie, origin: 'http://evil.example' }, csrf)).toBe(403);
    expect(await tryWebSocket(app.host.port, { cookie, origin: `http://127.0.0.1:${app.host.port + 1}` }, csrf)).toBe(403);
    expect(await tryWebSocket(app.host.port, { cookie }, csrf)).toBe(403);
  });

  it("offers Microsoft's sign-in page as a link when the core asks for it", async () => {
    const page = await browser.newPage();
    await page.goto(app.host.url);
    await expect.poll(() => page.getByTestId('status-version').isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('sign-in-notice').count()).toBe(0);
    // What MSAL's interactive flow does through the host's openBrowser.
    const url = 'https://login.microsoftonline.com/tenant/oauth2/v2.0/authorize?client_id=app&code_challenge=x';
    await signInThroughPage(() => app.core.events)(url);
    const link = page.getByRole('link', { name: 'Open the Microsoft sign-in page' });
    await expect.poll(() => link.isVisible()).toBe(true);
    await expect.poll(() => link.getAttribute('href')).toBe(url);
    await expect.poll(() => link.getAttribute('target')).toBe('_blank');
    await expect.poll(() => link.getAttribute('rel')).toContain('noopener');
    await screenshot(page, 'sign-in-notice');
    await page.close();
  });
});
