import { z } from 'zod';

/**
 * Field rules shared by the UI's forms and the core's contract validation, so both refuse the
 * same values with the same words (issue 21). Each schema accepts '' where the field may be left
 * "not set yet"; the wizard adds "required" on top for its step.
 */

/**
 * Characters a name may not hold: C0/C1 controls (tab, newline…), lone surrogates, unassigned
 * code points, line/paragraph separators and the bidirectional overrides that make a name read
 * differently from what it is. Everything else printable is allowed: punctuation such as — & ( ) ' ,
 * and emoji (whose joiners and variation selectors are format characters, not controls).
 */
const NAME_FORBIDDEN = /[\p{Cc}\p{Cs}\p{Cn}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069]/u;
export const NAME_MAX = 80;

/** A display name: trimmed, 1–80 characters (code points), no control characters. */
export function displayNameSchema(what: string) {
  return z
    .string()
    .trim()
    .min(1, `${what} needs a name.`)
    .refine((s) => [...s].length <= NAME_MAX, `Keep the name to ${NAME_MAX} characters or fewer.`)
    .refine((s) => !NAME_FORBIDDEN.test(s), 'Remove the control characters (such as tabs or line breaks) from the name.');
}

/** The key two names are compared by for uniqueness: Unicode-normalised, case folded, trimmed. */
export function nameKey(name: string): string {
  return name.normalize('NFKC').trim().toLocaleLowerCase('und');
}

/** The core's and the form's words for a name already in use. */
export function nameTakenMessage(what: string, name: string): string {
  return `A ${what} named "${name.trim()}" already exists.`;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A DNS name with at least two labels and a letter-only top-level label (contoso.onmicrosoft.com). */
const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export const isGuid = (value: string): boolean => GUID.test(value);

/** Entra ID tenant: its id (a GUID) or one of its verified domains. */
export const tenantIdSchema = z
  .string()
  .trim()
  .refine((v) => v === '' || GUID.test(v) || DOMAIN.test(v), 'Enter the tenant id (a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47) or a verified domain of the tenant, such as contoso.onmicrosoft.com.');

/** Application (client) id of an app registration: always a GUID. */
export const clientIdSchema = z
  .string()
  .trim()
  .refine((v) => v === '' || GUID.test(v), "Enter the application (client) id: the GUID on the app registration's Overview page, such as 00000000-0000-0000-0000-000000000000.");

/** Hosts that never leave this computer; only they may be reached over plain http. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Paths under which Symphony documents its APIs (pod `/pod`, `/login`; agent `/agent`; key
 * manager `/relay`, `/keyauth`; session auth `/sessionauth`) and the web client's own
 * (`/client`, `/client-bff`, as officers copy it from the address bar). The archiver appends the
 * API paths itself, so such a path is dropped; any other path is refused.
 */
const DOCUMENTED_POD_PATHS = ['/pod', '/login', '/agent', '/relay', '/keyauth', '/sessionauth', '/client', '/client/index.html', '/client-bff', '/client-bff/index.html'];

type UrlProblem = { problem: string } | { url: string; warning?: string };

/** Checks and normalises a pod, agent or key-manager address to `https://host[:port]`. */
export function checkPodUrl(raw: string): UrlProblem {
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: 'Enter a full address such as https://acme.symphony.com.' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem: 'Use an https:// address such as https://acme.symphony.com.' };
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return { problem: 'Use https://: plain http:// is only allowed for a pod on this computer (localhost), since chats would cross the network unencrypted.' };
  }
  if (url.username || url.password) return { problem: 'Remove the user name and password from the address; the service account signs in with its key.' };
  if (url.search || url.hash || text.includes('?') || text.includes('#')) {
    return { problem: 'Remove the part from ? or # on: the address is the server only, such as https://acme.symphony.com.' };
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (path !== '' && !DOCUMENTED_POD_PATHS.includes(path.toLowerCase())) {
    return { problem: `Remove the path ${path} from the address: enter the server only, such as https://acme.symphony.com.` };
  }
  const normalised = `${url.protocol}//${url.host}`;
  return url.protocol === 'http:'
    ? { url: normalised, warning: 'Plain http:// is not encrypted: use it only for a test pod on this computer.' }
    : { url: normalised };
}

/** The warning the form shows under an accepted address (plain http on loopback), if any. */
export function podUrlWarning(raw: string): string | undefined {
  if (!raw.trim()) return undefined;
  const checked = checkPodUrl(raw);
  return 'warning' in checked ? checked.warning : undefined;
}

/** A pod, agent or key-manager address ('' = not set / same as the pod), normalised on parse. */
export const podUrlSchema = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    if (value === '') return;
    const checked = checkPodUrl(value);
    if ('problem' in checked) ctx.addIssue({ code: 'custom', message: checked.problem });
  })
  .transform((value) => {
    if (value === '') return value;
    const checked = checkPodUrl(value);
    return 'url' in checked ? checked.url : value;
  });

/** An HTTP(S) proxy ('' = none): scheme, host and port only. */
export const proxyUrlSchema = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    if (value === '') return;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'Enter the proxy as a full address such as http://proxy.corp.example:8080.' });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'Use an http:// or https:// proxy address.' });
    else if (url.search || url.hash || url.pathname.replace(/\/+$/, '') !== '') ctx.addIssue({ code: 'custom', message: 'Enter the proxy server only, such as http://proxy.corp.example:8080, without a path.' });
  });

/** An ISO calendar date (YYYY-MM-DD) that exists, or '' (not set). */
export const isoDateOrEmptySchema = z
  .string()
  .trim()
  .refine((v) => v === '' || isIsoDate(v), 'Enter a date as YYYY-MM-DD, or leave the field empty.');

function isIsoDate(v: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  // 2026-02-30 parses as 2 March: only a date that round-trips exists.
  return Number.isFinite(d.getTime()) && d.toISOString().startsWith(v);
}
