import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local server that records every request: any hit means the preview loaded or sent something. */
export async function startCanary(): Promise<{ url: string; hits: string[]; stop: () => Promise<void> }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Access-Control-Allow-Origin': '*' });
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const MARKER = 'HOSTILE-PAYLOAD-RENDERED';

/**
 * Markup that, wherever scripts or loads are allowed, sets `pwnedFlag` on its window and the top
 * one, calls the page's `pwned` binding, logs "PWNED", pops a dialog or reaches the canary: script tags, event handlers, javascript: links,
 * nested frames, forms, remote styles/images/objects and a meta refresh.
 */
export function hostileHtml(canary: string): string {
  return [
    `<p id="marker">${MARKER}</p>`,
    `<script>try { window.top.pwnedFlag = 'script' } catch (e) {} window.pwnedFlag = 'script'; console.log('PWNED script'); window.pwned && pwned('script'); fetch('${canary}/fetch').catch(() => {}); alert('pwned')</script>`,
    `<img src="data:," onerror="try { window.top.pwnedFlag = 'img' } catch (e) {} console.log('PWNED img'); window.pwned && pwned('img-onerror')">`,
    `<svg onload="window.pwned && pwned('svg-onload')"><rect width="10" height="10"/></svg>`,
    `<details open ontoggle="window.pwned && pwned('details-ontoggle')"><summary>details</summary></details>`,
    `<iframe srcdoc="<script>window.parent.pwned && parent.pwned('nested-frame')</script>"></iframe>`,
    `<a id="js-link" href="javascript:pwned('javascript-link')">javascript link</a>`,
    `<a id="remote-link" href="${canary}/link">remote link</a>`,
    `<form action="${canary}/form" method="get"><input name="q" value="1"><button id="submit" type="submit">send</button></form>`,
    `<img src="${canary}/img">`,
    `<link rel="stylesheet" href="${canary}/css-link">`,
    `<style>@import url('${canary}/css-import'); p { background: url('${canary}/css-bg'); }</style>`,
    `<object data="${canary}/object"></object>`,
    `<meta http-equiv="refresh" content="0;url=${canary}/refresh">`,
  ].join('\n');
}

/** The same payload as Symphony PresentationML, as a hostile participant would send it. */
export function hostileMessageML(canary: string): string {
  return `<div data-format="PresentationML" data-version="2.0" class="wysiwyg"><p>Quarterly numbers attached.</p>${hostileHtml(canary)}</div>`;
}
