import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkPodUrl,
  clientIdSchema,
  connectorNameSchema,
  connectorSettingsInputSchema,
  connectorSettingsSchema,
  isoDateOrEmptySchema,
  nameKey,
  podUrlSchema,
  podUrlWarning,
  proxyUrlSchema,
  tenantIdSchema,
} from '../../shared/contract';
import { fieldProblem } from '../../renderer/src/components/form';

describe('connector names', () => {
  it('accepts the punctuation, scripts and emoji officers use', () => {
    for (const name of ['Acme — prod', 'R&D', 'Acme (EU)', "O'Brien's pod", 'London, Paris', 'Trading 📈', '東京ポッド', 'Familie 👨‍👩‍👧', 'Ünïcødé', 'a'.repeat(80)]) {
      expect(fieldProblem(connectorNameSchema, name), name).toBeUndefined();
    }
  });

  it('trims, and refuses empty, too long and control characters with the reason', () => {
    expect(connectorNameSchema.parse('  Acme  ')).toBe('Acme');
    expect(fieldProblem(connectorNameSchema, '   ')).toBe('A connector needs a name.');
    expect(fieldProblem(connectorNameSchema, 'a'.repeat(81))).toBe('Keep the name to 80 characters or fewer.');
    // 80 emoji are 80 characters even though each is two UTF-16 units.
    expect(fieldProblem(connectorNameSchema, '📈'.repeat(80))).toBeUndefined();
    for (const bad of ['Acme\tprod', 'Acme\nprod', 'Ac\u0000me', 'Ac\u0085me', 'Ac\u2028me', 'evil\u202Etxt.exe']) {
      expect(fieldProblem(connectorNameSchema, bad), JSON.stringify(bad)).toMatch(/control characters/);
    }
  });

  it('any printable string of 1–80 characters is accepted, and anything with a control character is refused', () => {
    const printable = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0 && [...s.trim()].length <= 80 && !/[\p{Cc}\p{Cs}\p{Cn}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069]/u.test(s));
    fc.assert(fc.property(printable, (name) => fieldProblem(connectorNameSchema, name) === undefined));
    const control = fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c));
    fc.assert(fc.property(printable, control, printable, (a, c, b) => fieldProblem(connectorNameSchema, a + c + b) !== undefined));
  });

  it('compares names for uniqueness across case and Unicode forms', () => {
    expect(nameKey('TŌKYŌ pod')).toBe(nameKey('tōkyō pod'));
    expect(nameKey('Cafe\u0301')).toBe(nameKey('Café'));
    expect(nameKey(' Acme ')).toBe(nameKey('acme'));
  });
});

describe('Microsoft 365 ids', () => {
  it('tenant: a GUID or a domain; client: a GUID', () => {
    for (const ok of ['72f988bf-86f1-41af-91ab-2d7cd011db47', 'contoso.onmicrosoft.com', 'corp.example', 'CONTOSO.COM', '']) expect(fieldProblem(tenantIdSchema, ok), ok).toBeUndefined();
    for (const bad of ['t', 'contoso', 'not a tenant', '72f988bf-86f1-41af-91ab', 'https://contoso.com', 'contoso.com/x', '-bad.com', 'a..b.com']) {
      expect(fieldProblem(tenantIdSchema, bad), bad).toMatch(/tenant id \(a GUID/);
    }
    expect(fieldProblem(clientIdSchema, '00000000-0000-0000-0000-0000000000aa')).toBeUndefined();
    for (const bad of ['app', 'contoso.onmicrosoft.com', '0000-0000', '{00000000-0000-0000-0000-0000000000aa}', 'g0000000-0000-0000-0000-000000000000']) {
      expect(fieldProblem(clientIdSchema, bad), bad).toMatch(/application \(client\) id/);
    }
    fc.assert(fc.property(fc.uuid(), (id) => fieldProblem(clientIdSchema, id) === undefined && fieldProblem(tenantIdSchema, id) === undefined));
  });

  it('the contract input refuses garbage ids that stored settings still load', () => {
    const garbage = { microsoft: { tenantId: 'not a tenant', clientId: 'app' } };
    expect(connectorSettingsSchema.safeParse(garbage).success).toBe(true);
    const input = connectorSettingsInputSchema.safeParse(garbage);
    expect(input.success).toBe(false);
    expect(input.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['microsoft.clientId', 'microsoft.tenantId']);
  });
});

describe('pod URLs', () => {
  it('normalises to the server, dropping documented paths, a trailing slash and the default port', () => {
    expect(podUrlSchema.parse('https://Acme.Symphony.com/')).toBe('https://acme.symphony.com');
    expect(podUrlSchema.parse('  https://acme.symphony.com:443/pod ')).toBe('https://acme.symphony.com');
    expect(podUrlSchema.parse('https://acme.symphony.com/client/index.html')).toBe('https://acme.symphony.com');
    expect(podUrlSchema.parse('https://agent.acme.com:8444/agent/')).toBe('https://agent.acme.com:8444');
    expect(podUrlSchema.parse('')).toBe('');
    expect(connectorSettingsSchema.parse({ symphony: { podUrl: 'https://acme.symphony.com/pod/' } }).symphony.podUrl).toBe('https://acme.symphony.com');
  });

  it('allows plain http only on this computer, with a warning', () => {
    for (const local of ['http://127.0.0.1:8443', 'http://localhost:9000', 'http://[::1]:8080', 'http://127.4.5.6']) {
      expect(fieldProblem(podUrlSchema, local), local).toBeUndefined();
      expect(podUrlWarning(local)).toMatch(/not encrypted/);
    }
    expect(podUrlWarning('https://acme.symphony.com')).toBeUndefined();
    expect(fieldProblem(podUrlSchema, 'http://acme.symphony.com')).toMatch(/plain http:\/\/ is only allowed for a pod on this computer/);
    expect(fieldProblem(podUrlSchema, 'http://127.0.0.1.evil.com')).toMatch(/plain http/);
  });

  it('refuses queries, fragments, credentials, other paths and non-URLs, saying what to remove', () => {
    expect(fieldProblem(podUrlSchema, 'https://acme.symphony.com?x=1')).toMatch(/Remove the part from \? or #/);
    expect(fieldProblem(podUrlSchema, 'https://acme.symphony.com/#/chat')).toMatch(/Remove the part from \? or #/);
    expect(fieldProblem(podUrlSchema, 'https://acme.symphony.com/?')).toMatch(/Remove the part from \? or #/);
    expect(fieldProblem(podUrlSchema, 'https://bot:secret@acme.symphony.com')).toMatch(/user name and password/);
    expect(fieldProblem(podUrlSchema, 'https://acme.symphony.com/somewhere')).toBe('Remove the path /somewhere from the address: enter the server only, such as https://acme.symphony.com.');
    expect(fieldProblem(podUrlSchema, 'acme.symphony.com')).toBe('Enter a full address such as https://acme.symphony.com.');
    expect(fieldProblem(podUrlSchema, 'ftp://acme.symphony.com')).toMatch(/https:\/\//);
  });

  it('a normalised URL is accepted again unchanged, and request paths appended to it stay paths', () => {
    const host = fc.domain().filter((d) => !d.endsWith('.localhost') && d !== 'localhost');
    const suffix = fc.constantFrom('', '/', '/pod', '/agent/', '/client/index.html');
    fc.assert(
      fc.property(host, fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }), suffix, (h, port, path) => {
        const checked = checkPodUrl(`https://${h}${port ? `:${port}` : ''}${path}`);
        if (!('url' in checked)) return false;
        const again = checkPodUrl(checked.url);
        const request = new URL(`${checked.url}/pod/v2/sessioninfo`);
        return 'url' in again && again.url === checked.url && request.search === '' && request.pathname === '/pod/v2/sessioninfo';
      }),
    );
  });

  it('proxy and start date have their own rules', () => {
    expect(fieldProblem(proxyUrlSchema, 'http://proxy.corp.example:8080')).toBeUndefined();
    expect(fieldProblem(proxyUrlSchema, 'http://proxy.corp.example:8080/path?x')).toMatch(/without a path/);
    expect(fieldProblem(isoDateOrEmptySchema, '2026-02-28')).toBeUndefined();
    expect(fieldProblem(isoDateOrEmptySchema, '2026-02-30')).toMatch(/YYYY-MM-DD/);
    expect(fieldProblem(isoDateOrEmptySchema, '2026-13-01')).toMatch(/YYYY-MM-DD/);
    expect(fieldProblem(isoDateOrEmptySchema, '')).toBeUndefined();
  });
});
