import { z } from 'zod';
import { ArchiverError } from '../../../shared/errors';
import { withRetry, type RetryOptions } from '../platform/retry';
import type { DirectoryLookup, DirectoryMailbox } from './directory';

/**
 * The little of a Graph client that the directory look-up needs: a GET of a path relative to the
 * Graph version root (e.g. `https://graph.microsoft.com/v1.0`), resolving to the parsed JSON body.
 * It throws on any non-2xx answer (after its own retries), so failures never read as "not found".
 */
export interface GraphRequester {
  get(path: string, headers?: Record<string, string>): Promise<unknown>;
}

const graphUserSchema = z.object({
  id: z.string(),
  displayName: z.string().nullish(),
  mail: z.string().nullish(),
  userPrincipalName: z.string().nullish(),
  proxyAddresses: z.array(z.string()).nullish(),
  userType: z.string().nullish(),
});
type GraphUser = z.infer<typeof graphUserSchema>;

const usersPageSchema = z.object({ value: z.array(graphUserSchema) });

/**
 * Automatic mapping over Microsoft Graph: one `GET /users?$filter=` per address, matching `mail`,
 * `userPrincipalName` and any `smtp:` proxy address. All three are `eq` filters that Graph
 * supports by default (no `ConsistencyLevel: eventual` / `$count`; those are only needed for
 * `endsWith`, `ne`/`not` and `$count` filters), so the answer is not eventually consistent and a
 * mailbox created a minute ago is found. Directory string comparisons are case-insensitive, so
 * `smtp:` also matches the primary `SMTP:` address.
 */
export class GraphDirectory implements DirectoryLookup {
  constructor(private readonly graph: GraphRequester) {}

  async findMailbox(email: string): Promise<DirectoryMailbox | null> {
    const address = email.trim().toLowerCase();
    if (!address.includes('@')) return null;
    const body = await this.graph.get(usersFilterPath(address));
    const parsed = usersPageSchema.safeParse(body);
    if (!parsed.success) {
      throw new ArchiverError({
        code: 'internal',
        message: `Microsoft Graph answered the directory look-up for ${address} with something that is not a list of users.`,
        fix: 'Check the Graph base URL of the connector; it must be the Graph API root such as https://graph.microsoft.com/v1.0.',
        target: address,
        detail: z.prettifyError(parsed.error),
      });
    }
    return pickMailbox(address, parsed.data.value);
  }
}

/** The request path for one address; single quotes are doubled as OData string literals require. */
export function usersFilterPath(address: string): string {
  const literal = address.replace(/'/g, "''");
  const filter = `mail eq '${literal}' or userPrincipalName eq '${literal}' or proxyAddresses/any(a:a eq 'smtp:${literal}')`;
  return `/users?$filter=${encodeURIComponent(filter)}&$select=id,displayName,mail,userPrincipalName,proxyAddresses,userType`;
}

/**
 * Of the users that matched, the one whose mailbox really carries the address: primary SMTP first,
 * then a proxy address, then the UPN. Guests (their mailbox lives in another tenant) and users
 * without `mail` (no Exchange mailbox) cannot receive imports, so they do not count as found.
 */
export function pickMailbox(address: string, users: readonly GraphUser[]): DirectoryMailbox | null {
  const rank = (user: GraphUser): number => {
    if (user.mail?.toLowerCase() === address) return 0;
    if (user.proxyAddresses?.some((p) => p.toLowerCase() === `smtp:${address}`)) return 1;
    if (user.userPrincipalName?.toLowerCase() === address) return 2;
    return 3;
  };
  const candidates = users
    .filter((u) => u.userType?.toLowerCase() !== 'guest' && !!u.mail && !!u.userPrincipalName && rank(u) < 3)
    .sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id));
  const best = candidates[0];
  if (!best) return null;
  return { upn: best.userPrincipalName!.toLowerCase(), mail: best.mail!.toLowerCase(), displayName: best.displayName ?? '' };
}

/** The shape of the import domain's GraphClient that the look-up uses (structural: no import of graph/). */
export interface GraphRequestClient {
  request<T = unknown>(request: { method: 'GET'; path: string; query?: Record<string, string> }): Promise<{ body: T }>;
}

/** How each look-up is retried; the wiring gives deliveries' policy (graph/errors.ts `graphRetryPolicy`). */
export type LookupRetry<C> = (client: C) => Omit<RetryOptions, 'signal'>;

/**
 * A GraphRequester over a GraphClient obtained lazily (the client needs a token, which the
 * connector may not have until the first run): `/users?$filter=…` is split into path and query
 * parameters, which the client encodes itself. With `retryFor`, each look-up is retried with the
 * policy deliveries use, so one 429, 503 or reset on `GET /users` does not fail it (mapping does
 * not know Graph's errors: the policy, with its classifier, comes from the wiring).
 */
export function graphClientRequester<C extends GraphRequestClient>(getClient: () => C | Promise<C>, retryFor?: LookupRetry<C>): GraphRequester {
  return {
    async get(pathAndQuery) {
      const [path = '', search = ''] = pathAndQuery.split('?', 2);
      const query = Object.fromEntries(new URLSearchParams(search));
      const client = await getClient();
      const once = async () => (await client.request({ method: 'GET', path, query: Object.keys(query).length > 0 ? query : undefined })).body;
      return retryFor ? withRetry(once, retryFor(client)) : once();
    },
  };
}
