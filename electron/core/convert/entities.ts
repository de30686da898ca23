import { isSafeNumber, parse as losslessParse } from 'lossless-json';
import type { Participant } from '../model/captured';

/** What an entity span renders as, in both bodies. */
export type ResolvedEntity =
  | { kind: 'mention'; name: string; userId: string; email?: string }
  | { kind: 'hashtag'; tag: string }
  | { kind: 'cashtag'; tag: string }
  | { kind: 'emoji'; text: string };

export type EntityMap = Record<string, unknown>;

/** EntityJSON is untrusted and may be empty or broken: a bad document resolves nothing. */
export function parseEntityJson(entityJSON: string): EntityMap {
  if (!entityJSON || !entityJSON.trim()) return {};
  try {
    // User ids are int64 and may exceed 2^53, where JSON.parse rounds them (a mention would then
    // name nobody): such numbers are kept as their digits. The fast path skips long-digit-free text.
    const parsed: unknown = /\d{16}/.test(entityJSON) ? losslessParse(entityJSON, null, (digits) => (isSafeNumber(digits) ? Number(digits) : digits)) : JSON.parse(entityJSON);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as EntityMap) : {};
  } catch {
    return {};
  }
}

function scalar(value: unknown, max = 200): string | undefined {
  if (typeof value === 'string') return value.slice(0, max);
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}

function ids(entity: Record<string, unknown>): Array<{ type: string; value: string }> {
  const list = Array.isArray(entity.id) ? entity.id : [];
  const result: Array<{ type: string; value: string }> = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') continue;
    const type = scalar((item as Record<string, unknown>).type);
    const value = scalar((item as Record<string, unknown>).value);
    if (type && value) result.push({ type, value });
  }
  return result;
}

const CASHTAG_ID = /(?:^|\.)(ticker|isin|cusip|openfigi|sedol|ric|bbgcompticker|figi)$/i;

/**
 * Resolves `data-entity-id` K through EntityJSON[K]. `innerText` is the text Symphony put inside
 * the span (e.g. "@Pretty Name"), used when the entity names a user the conversation does not
 * list (a mention of someone outside it).
 */
export function resolveEntity(entities: EntityMap, key: string, innerText: string, members: ReadonlyMap<string, Participant>): ResolvedEntity | undefined {
  if (!Object.prototype.hasOwnProperty.call(entities, key)) return undefined;
  const raw = entities[key];
  if (!raw || typeof raw !== 'object') return undefined;
  const entity = raw as Record<string, unknown>;
  const type = scalar(entity.type) ?? '';
  const idList = ids(entity);
  const inner = innerText.replace(/\s+/g, ' ').trim();

  if (type === 'com.symphony.user.mention') {
    const userId = idList.find((id) => id.type === 'com.symphony.user.userId')?.value ?? '';
    const member = members.get(userId);
    const name = member?.displayName || inner.replace(/^@/, '') || (userId ? `user ${userId}` : 'unknown user');
    return { kind: 'mention', name, userId, ...(member?.email ? { email: member.email } : {}) };
  }
  if (type === 'com.symphony.emoji') {
    const data = entity.data && typeof entity.data === 'object' ? (entity.data as Record<string, unknown>) : {};
    const unicode = scalar(data.unicode, 32);
    const shortcode = scalar(data.shortcode, 64);
    const text = unicode || (shortcode ? `:${shortcode}:` : inner);
    return text ? { kind: 'emoji', text } : undefined;
  }
  if (type === 'org.symphonyoss.fin.security' || type === 'org.symphonyoss.taxonomy') {
    const cash = idList.find((id) => CASHTAG_ID.test(id.type));
    if (type === 'org.symphonyoss.fin.security' || cash) {
      const preferred = idList.find((id) => /ticker$/i.test(id.type)) ?? cash ?? idList[0];
      const tag = preferred?.value ?? inner.replace(/^\$/, '');
      return tag ? { kind: 'cashtag', tag } : undefined;
    }
    const hashtag = idList.find((id) => /hashtag$/i.test(id.type)) ?? idList[0];
    const tag = hashtag?.value ?? inner.replace(/^#/, '');
    return tag ? { kind: 'hashtag', tag } : undefined;
  }
  return undefined;
}
