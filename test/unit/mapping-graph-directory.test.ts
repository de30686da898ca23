import { describe, expect, it } from 'vitest';
import { GraphDirectory, usersFilterPath, type GraphRequester } from '../../electron/core/mapping/graph-directory';

interface User {
  id: string;
  displayName: string;
  mail: string | null;
  userPrincipalName: string;
  proxyAddresses: string[];
  userType: 'Member' | 'Guest';
}

/**
 * Answers `GET /users?$filter=` the way Graph evaluates the filter GraphDirectory sends:
 * it decodes the query string, reads the three OData literals back and compares case-insensitively.
 */
class FilteringRequester implements GraphRequester {
  readonly requests: { path: string; headers: Record<string, string> }[] = [];
  constructor(private readonly users: User[]) {}

  async get(path: string, headers: Record<string, string> = {}): Promise<unknown> {
    this.requests.push({ path, headers });
    const url = new URL(path, 'https://graph.invalid/v1.0/');
    const filter = url.searchParams.get('$filter') ?? '';
    const literal = "'((?:[^']|'')*)'";
    const m = new RegExp(`^mail eq ${literal} or userPrincipalName eq ${literal} or proxyAddresses/any\\(a:a eq ${literal}\\)$`).exec(filter);
    if (!m) throw new Error(`unsupported filter: ${filter}`);
    const [mail, upn, proxy] = [m[1]!, m[2]!, m[3]!].map((s) => s.replace(/''/g, "'").toLowerCase());
    const select = (url.searchParams.get('$select') ?? '').split(',');
    const value = this.users
      .filter((u) => u.mail?.toLowerCase() === mail || u.userPrincipalName.toLowerCase() === upn || u.proxyAddresses.some((p) => p.toLowerCase() === proxy))
      .map((u) => Object.fromEntries(select.map((k) => [k, u[k as keyof User]])));
    return { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users', value };
  }
}

const users: User[] = [
  { id: 'u1', displayName: 'Alice', mail: 'Alice@Contoso.com', userPrincipalName: 'alice.smith@contoso.com', proxyAddresses: ['SMTP:Alice@Contoso.com', 'smtp:as@legacy.com'], userType: 'Member' },
  { id: 'u2', displayName: "Dan O'Neil", mail: "dan.o'neil@contoso.com", userPrincipalName: 'doneil@contoso.com', proxyAddresses: [], userType: 'Member' },
  { id: 'u3', displayName: 'Guest', mail: 'guest@partner.com', userPrincipalName: 'guest_partner.com#EXT#@contoso.onmicrosoft.com', proxyAddresses: [], userType: 'Guest' },
  { id: 'u4', displayName: 'No mailbox', mail: null, userPrincipalName: 'nomail@contoso.com', proxyAddresses: [], userType: 'Member' },
  // Another user whose UPN is someone else's primary address: the primary address wins.
  { id: 'u0', displayName: 'Shared', mail: 'shared@contoso.com', userPrincipalName: 'alice@contoso.com', proxyAddresses: [], userType: 'Member' },
];

describe('mapping: Graph directory look-up', () => {
  it('finds by primary address, proxy address and UPN, returning the lowercase UPN to deliver to', async () => {
    const graph = new FilteringRequester(users);
    const directory = new GraphDirectory(graph);
    expect(await directory.findMailbox('ALICE@contoso.com')).toEqual({ upn: 'alice.smith@contoso.com', mail: 'alice@contoso.com', displayName: 'Alice' });
    expect(await directory.findMailbox('as@LEGACY.com')).toEqual({ upn: 'alice.smith@contoso.com', mail: 'alice@contoso.com', displayName: 'Alice' });
    expect(await directory.findMailbox('doneil@contoso.com')).toMatchObject({ upn: 'doneil@contoso.com' });
    expect(await directory.findMailbox("Dan.O'Neil@contoso.com")).toMatchObject({ upn: 'doneil@contoso.com' });
    expect(await directory.findMailbox('guest@partner.com')).toBeNull();
    expect(await directory.findMailbox('nomail@contoso.com')).toBeNull();
    expect(await directory.findMailbox('nobody@contoso.com')).toBeNull();
    // Default-supported eq filters: no advanced query headers, and a properly encoded path.
    expect(graph.requests.every((r) => Object.keys(r.headers).length === 0)).toBe(true);
    expect(graph.requests[3]!.path).toBe(usersFilterPath("dan.o'neil@contoso.com"));
    expect(graph.requests[3]!.path).toContain("%20eq%20'dan.o''neil%40contoso.com'");
  });

  it('reports an answer that is not a user list instead of calling it "not found"', async () => {
    const directory = new GraphDirectory({ get: async () => ({ error: { code: 'Request_UnsupportedQuery' } }) });
    await expect(directory.findMailbox('alice@contoso.com')).rejects.toMatchObject({ code: 'internal', fix: expect.stringMatching(/Graph base URL/) });
  });
});
