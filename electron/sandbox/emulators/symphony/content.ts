import type { Prng } from '../prng';

/** A user as message content needs it. */
export interface MentionTarget {
  id: bigint;
  displayName: string;
}

const WORDS = ['market', 'update', 'trade', 'bond', 'yield', 'desk', 'client', 'risk', 'limit', 'order', 'call', 'meeting', 'report', 'quarter', 'price', 'spread', 'hedge', 'volume'];
const UNICODE = [
  'Grüße aus Zürich — déjà vu, naïve café',
  '東京のデスクから：本日の取引は終了しました。',
  'مرحبا، هل وصلك التقرير؟',
  'שלום, הפגישה נדחתה למחר',
  'Ελληνικά και Кириллица вместе',
  'emoji 👍🏽 🚀 🇫🇷 👨‍👩‍👧‍👦 ❤️‍🔥',
  'math 𝔸𝕓𝕔 ∑∫√ and zero\u200bwidth',
  'mixed RTL: price ‏١٢٣٫٤٥‏ USD',
];
const HOSTILE = [
  '<script>alert("x")</script>',
  '<img src="x" onerror="alert(1)"/>',
  '<a href="javascript:alert(1)">click</a>',
  '<b><i>unclosed tags',
  '<div onclick="steal()">hover</div>',
  '&lt;script&gt;escaped&lt;/script&gt; &amp;amp; &#x3C;',
  '<iframe src="https://evil.example/"></iframe>',
  '<style>body{display:none}</style>',
  ']]><!-- comment --><![CDATA[x]]>',
];
const TICKERS = ['AAPL', 'MSFT', 'TSLA', 'EURUSD', 'BNP FP'];
const TAGS = ['earnings', 'fx', 'rates', 'compliance', 'ipo'];

/**
 * PresentationML and EntityJSON as Symphony sends them, with the content that breaks naive
 * converters: every script, emoji sequences, right-to-left text, hostile or malformed markup,
 * mentions, hashtags and cashtags.
 */
export function messageContent(rng: Prng, people: readonly MentionTarget[]): { message: string; data: string } {
  const parts: string[] = [];
  const entities: Record<string, unknown> = {};
  const n = rng.int(1, 4);
  for (let i = 0; i < n; i++) {
    const roll = rng.next();
    if (roll < 0.35) parts.push(escapeText(sentence(rng)));
    else if (roll < 0.5) parts.push(escapeText(rng.pick(UNICODE)));
    else if (roll < 0.57) parts.push(rng.pick(HOSTILE));
    else if (roll < 0.67 && people.length > 0) {
      const key = `mention${i}`;
      const who = rng.pick(people);
      entities[key] = { type: 'com.symphony.user.mention', version: '1.0', id: [{ type: 'com.symphony.user.userId', value: who.id }] };
      parts.push(`<span class="entity" data-entity-id="${key}">@${escapeText(who.displayName)}</span>`);
    } else if (roll < 0.74) {
      const key = `keyword${i}`;
      const tag = rng.pick(TAGS);
      entities[key] = { type: 'org.symphonyoss.taxonomy', version: '1.0', id: [{ type: 'org.symphonyoss.taxonomy.hashtag', value: tag }] };
      parts.push(`<span class="entity" data-entity-id="${key}">#${tag}</span>`);
    } else if (roll < 0.8) {
      const key = `cashtag${i}`;
      const ticker = rng.pick(TICKERS);
      entities[key] = { type: 'org.symphonyoss.fin.security', version: '1.0', id: [{ type: 'org.symphonyoss.fin.security.id.ticker', value: ticker }] };
      parts.push(`<span class="entity" data-entity-id="${key}">$${escapeText(ticker)}</span>`);
    } else if (roll < 0.86) {
      parts.push(`<ul><li>${escapeText(sentence(rng))}</li><li><b>${escapeText(sentence(rng))}</b></li></ul>`);
    } else if (roll < 0.91) {
      parts.push(`<table><tr><th>Ticker</th><th>Px</th></tr><tr><td>${rng.pick(TICKERS)}</td><td>${rng.int(1, 999)}.${rng.int(10, 99)}</td></tr></table>`);
    } else if (roll < 0.95) {
      parts.push(`<a href="https://example.com/r/${rng.int(1, 9999)}">https://example.com/r</a>`);
    } else {
      parts.push(`<div class="card barStyle"><div class="cardHeader">${escapeText(sentence(rng))}</div><div class="cardBody"><pre>${escapeText('a < b && c > d')}</pre></div></div>`);
    }
  }
  const message = `<div data-format="PresentationML" data-version="2.0" class="wysiwyg"><p>${parts.join(' ')}</p></div>`;
  return { message, data: Object.keys(entities).length ? bigintJson(entities) : '{}' };
}

function sentence(rng: Prng): string {
  const n = rng.int(3, 14);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(rng.pick(WORDS));
  const s = words.join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1) + rng.pick(['.', '?', '!', '…']);
}

export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON where bigint values are written as exact integer literals, as Symphony writes int64s. */
export function bigintJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `\u0000BIG:${v.toString()}` : v)).replace(/"\\u0000BIG:(-?\d+)"/g, '$1');
}
