import http from 'node:http';
import https from 'node:https';

/**
 * Plays the system browser for MSAL's interactive sign-in: follows the authorization URL and its
 * redirects with a cookie jar (trusting the test provider's certificate), and when the provider
 * answers with its form_post page, submits that form to MSAL's loopback server, as a browser would.
 */
export async function automateBrowser(startUrl: string, ca: string): Promise<{ finalStatus: number; finalBody: string }> {
  const jar = new Map<string, string>();
  let url = startUrl;
  let method = 'GET';
  let body: string | undefined;
  for (let hop = 0; hop < 20; hop++) {
    const response = await request(url, method, body, jar, ca);
    if (response.status >= 300 && response.status < 400 && response.headers.location) {
      url = new URL(response.headers.location, url).toString();
      method = 'GET';
      body = undefined;
      continue;
    }
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(response.body);
    if (form && /method="post"/i.test(response.body)) {
      const fields = new URLSearchParams();
      for (const input of form[2]!.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/gi)) fields.set(decode(input[1]!), decode(input[2]!));
      url = decode(form[1]!);
      method = 'POST';
      body = fields.toString();
      continue;
    }
    return { finalStatus: response.status, finalBody: response.body };
  }
  throw new Error('too many redirects');
}

function decode(value: string): string {
  return value.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#x2F;/g, '/').replace(/&#x3D;/g, '=').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

function request(url: string, method: string, body: string | undefined, jar: Map<string, string>, ca: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const target = new URL(url);
  const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const headers: Record<string, string> = { 'User-Agent': 'test-browser' };
  if (cookie && target.protocol === 'https:') headers.Cookie = cookie;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    headers['Content-Length'] = String(Buffer.byteLength(body));
  }
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, { method, headers, ...(target.protocol === 'https:' ? { ca } : {}) }, (res) => {
      for (const set of res.headers['set-cookie'] ?? []) {
        const [pair] = set.split(';');
        const eq = pair!.indexOf('=');
        jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
