import https from 'node:https';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

/**
 * MSAL's HTTP client with an extra trusted CA (a TLS-inspecting proxy's root, or the test
 * provider's self-signed certificate). MSAL itself still does all of the protocol.
 */
export class CaTrustingNetworkClient implements INetworkModule {
  private readonly agent: https.Agent;

  constructor(ca: string | Buffer) {
    this.agent = new https.Agent({ ca, keepAlive: true });
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private send<T>(method: string, url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return new Promise((resolve, reject) => {
      const body = options?.body ?? '';
      const headers: Record<string, string | number> = { ...(options?.headers ?? {}) };
      if (method === 'POST') headers['Content-Length'] = Buffer.byteLength(body);
      const request = https.request(url, { method, headers, agent: this.agent, timeout: timeout ?? 30_000 }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : {};
          } catch {
            parsed = { error: 'invalid_response', error_description: text.slice(0, 500) };
          }
          const responseHeaders: Record<string, string> = {};
          for (const [name, value] of Object.entries(response.headers)) if (typeof value === 'string') responseHeaders[name] = value;
          resolve({ headers: responseHeaders, body: parsed as T, status: response.statusCode ?? 0 });
        });
        response.on('error', reject);
      });
      request.on('timeout', () => request.destroy(new Error(`${method} ${url} timed out`)));
      request.on('error', reject);
      if (method === 'POST') request.write(body);
      request.end();
    });
  }
}
