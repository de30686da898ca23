import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConvertedEmail } from '../../electron/core/model/email';
import { convertMessage } from '../../electron/core/convert/message';
import { toMime } from '../../electron/core/convert/mime';
import { previewOf } from '../../electron/core/convert/preview';
import { convertTranscript } from '../../electron/core/convert/transcript';
import { utcDay } from '../../electron/core/convert/ids';
import { conversations, goldenItems, people } from '../fixtures/convert/hostile';
import { mimeDefects, normaliseBody, parseWithMailparser, pythonDefects } from '../fixtures/convert/mime-check';
import { makeTempDir } from '../support/tmp';

const GOLDEN_DIR = path.resolve(__dirname, '../fixtures/convert/golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** Compares with the reviewed .eml; UPDATE_GOLDEN=1 rewrites it (then review the diff). */
function expectGolden(name: string, eml: Buffer) {
  const file = path.join(GOLDEN_DIR, `${name}.eml`);
  if (UPDATE) {
    fs.mkdirSync(GOLDEN_DIR, { recursive: true });
    fs.writeFileSync(file, eml);
    return;
  }
  expect(fs.existsSync(file), `${file} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
  const expected = fs.readFileSync(file);
  if (!expected.equals(eml)) expect(eml.toString('latin1'), `${name}.eml differs from the golden file`).toBe(expected.toString('latin1'));
}

const FORBIDDEN_HTML = [/<script/i, /<style/i, /<iframe/i, /<object/i, /<embed/i, /<svg/i, /<math/i, /<form/i, /<input/i, /<button/i, /<audio/i, /<base/i, /<meta/i,
  /\son[a-z]+\s*=/i, /style\s*=/i, /javascript:/i, /vbscript:/i, /data:/i, /src\s*=\s*"https?:/i, /\sid\s*=/i, /target\s*=/i];

function expectClean(email: ConvertedEmail) {
  for (const pattern of FORBIDDEN_HTML) expect(email.html, `${email.archiveKey} html ${pattern}`).not.toMatch(pattern);
  expect(email.text).not.toMatch(/steal\(|document\.cookie|secret/);
  expect(email.html).not.toMatch(/steal\(|document\.cookie|secret/);
}

describe('golden e-mails of hostile and odd items', () => {
  const temp = makeTempDir('convert-golden-');
  afterAll(() => temp.cleanup());
  const items = goldenItems(path.join(temp.dir, 'spool'));
  const emails = new Map<string, ConvertedEmail>();
  beforeAll(async () => {
    for (const item of items) emails.set(item.name, await convertMessage(item.message, item.conversation, item.context));
  });
  const get = (name: string) => emails.get(name) as ConvertedEmail;

  it.each(items.map((item) => [item.name, item] as const))('%s matches its golden .eml, reads back, and carries no active content', async (name, item) => {
    const email = get(name);
    const eml = await toMime(email);
    // Converting again, from scratch, gives the same bytes.
    expect((await toMime(await convertMessage(item.message, item.conversation, item.context))).equals(eml)).toBe(true);
    expectGolden(name, eml);
    expect(mimeDefects(eml)).toEqual([]);
    expectClean(email);
    const parsed = await parseWithMailparser(eml);
    expect(parsed.text).toBe(normaliseBody(email.text));
    expect(parsed.from).toEqual(email.from);
    expect(parsed.to).toEqual(email.to);
    expect(parsed.subject).toBe(email.subject);
    expect(parsed.attachments.length).toBe(email.attachments.length);
  });

  it('a day transcript of the room matches its golden .eml', async () => {
    const roomItems = items.filter((i) => i.conversation === conversations.room).map((i) => i.message);
    const { email } = await convertTranscript({ conversation: conversations.room, day: utcDay(roomItems[0]?.timestamp ?? 0), messages: roomItems });
    expectClean(email);
    const eml = await toMime(email);
    expectGolden('transcript-room', eml);
    expect(mimeDefects(eml)).toEqual([]);
  });

  it('Python\'s e-mail package finds no defect in any golden file', () => {
    const found = pythonDefects(GOLDEN_DIR);
    if (found === undefined) return console.warn('python3 not found: skipped the third parser');
    expect(Object.keys(found).length).toBe(items.length + 1);
    expect(Object.entries(found).filter(([, d]) => d.length > 0)).toEqual([]);
  });

  it('the preview of an item with an inline image carries the image, the .eml size and its header fields', async () => {
    const email = get('inline-image');
    const preview = await previewOf(email, 'per-message');
    const eml = await toMime(email);
    expect(preview.emlBytes).toBe(eml.length);
    expect(preview.headers.map((h) => h.name)).toEqual(eml.toString('latin1').split('\r\n\r\n')[0]?.split('\r\n').filter((l) => !/^[ \t]/.test(l)).map((l) => l.slice(0, l.indexOf(':'))));
    expect(preview.headers.find((h) => h.name === 'Thread-Index')?.value).toMatch(/^[A-Za-z0-9+/]{30}==$/);
    const image = email.attachments.find((a) => a.inline);
    expect(preview.inlineImages.map((i) => i.contentId)).toEqual([image?.contentId]);
    const bytes = Buffer.from(preview.inlineImages[0]?.dataUrl.replace(/^data:image\/png;base64,/, '') ?? '', 'base64');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(image?.sha256);
  });

  it('renders what each odd item is about', () => {
    expect(get('emoji-rtl').text).toContain('👨‍👩‍👧‍👦 🇯🇵 🏳️‍🌈 🚀');
    expect(get('emoji-rtl').html.startsWith('<div dir="auto">')).toBe(true);
    expect(get('thousand-lines').text.split('\n')).toHaveLength(1000);
    expect(get('thousand-lines').text.split('\n')[999]).toBe(`Line 1000 of the long paste: ${'abcdefghij'.repeat(999 % 13)}`);
    expect(get('quoted-names').from).toEqual({ name: people.back.displayName, address: people.back.email });
    expect(get('quoted-names').to.map((a) => a.name)).toContain(people.obrien.displayName);
    expect(get('non-ascii-filenames').attachments.map((a) => a.filename)).toEqual([
      '季度报告 2026年第一季度.xlsx', 'Résumé – décembre _final_, v2.pdf', `${'Très long nom de fichier '.repeat(6)}.txt`, 'tab new line_.._.._etc_passwd',
    ]);
    expect(get('attachment-only').text).toBe('(attachment: Term sheet.pdf)');
    expect(get('attachment-only').subject).toBe('Symphony IM with Jane Doe, Zoë Ünïcode-Łukasz - (attachment: Term sheet.pdf)');
    expect(get('table').text).toBe('Prices:\n\nTenor | Bid / Ask\n2Y | 3.412 | 3.418\n10Y | 3.901 | 3.907\n\n1. first\n2. second\n   • nested\n\nspread = ask - bid;\n  // indented');
    expect(get('table').html).toContain('<th colspan="2">Bid / Ask</th>');
    expect(get('external-mentions').text).toBe('[External participants: Külső Partner <user.68719476737001@acme.symphony.com.symphony.archive>, Other Firm Trader <trader@other-firm.example>]\n\nHello @Külső Partner and @Somebody Elsewhere, see #rates $BNP');
    expect(get('external-mentions').to.map((a) => a.address)).toEqual(['user.68719476737001@acme.symphony.com.symphony.archive', 'trader@other-firm.example']);
    expect(get('active-content').text).toBe('Before\n\njs link encoded js tab js vb data link safe link <https://ok.example/path?q=1>\n[Button: Send]\nForm text stays\n[Chime]\nAfter');
    expect(get('active-content').html).toContain('<a href="https://ok.example/path?q=1">safe link</a>');
    expect(get('malformed').text).toContain('cell 1 | cell 2');
    expect(get('malformed').text).toContain('@Fallback Text');
    expect(get('malformed').text).toContain('• open item\n• second item');
    expect(get('malformed').html).toContain('<a href="https://unquoted.example/x">unquoted href</a>');
    expect(get('edit').headers).toContainEqual({ name: 'X-Symphony-Replaces', value: get('edit-original').headers[0]?.value });
    expect(get('edit').inReplyTo).toBe(get('edit-original').messageId);
    expect(get('inline-image').html).toMatch(/<img src="cid:img0\.[0-9a-f]{16}@acme\.symphony\.com\.symphony\.archive" alt="P&amp;L chart\.png">/);
    expect(get('inline-image').attachments.map((a) => [a.filename, a.inline])).toEqual([['P&L chart.png', true], ['P&L.pdf', false]]);
    expect(get('chime-only').text).toBe('[Chime]');
    expect(get('chime-only').html).toBe('<div dir="auto"><div class="element">[Chime]</div></div>');
    expect(get('encoded-word-lookalike').subject).toContain('Raw header pasted: =?utf-8?B?SGFja2Vk?= and');
  });

  it('renders the classes of issue #16 as a reviewer must see them', async () => {
    const eml = get('attached-eml').attachments[0]!;
    expect([eml.contentType, eml.custody]).toEqual(['application/octet-stream', { originalName: 'original.eml', declaredType: 'message/rfc822', sniffedType: '' }]);
    const spoof = await parseWithMailparser(await toMime(get('spoofing-display-name')));
    expect(spoof.from).toEqual({ name: people.spoofer.displayName, address: 'mallory@acme.example' });
    expect(get('encoded-word-ascii-subject').subject).toBe('Symphony IM with Jane Doe, Pat Plain - =?utf-8?B?SGFja2Vk?= looks like an encoded word');
    const addresses = get('idn-and-non-ascii-local-part');
    expect(addresses.from).toEqual({ name: 'Jörg Müller (jörg@acme.example)', address: expect.stringMatching(/^invalid\.[0-9a-f]{16}@invalid\.symphony\.archive$/) });
    expect(addresses.to.map((a) => a.address)).toContain('user@xn--bcher-kva.example');
    expect(addresses.to.map((a) => a.name)).toContain('Dot Double (dot..double@acme.example)');
    expect(addresses.headers.find((h) => h.name === 'X-Symphony-Original-Address')?.value).toBe('from=j%C3%B6rg@acme.example; to=dot..double@acme.example');
    expect(get('elements-form').text).toBe('Trade approval\n\n[Text field Reference: T-1029]\n[Text area Reason: Client asked for a re-quote]\n[Select Tenor: 2Y, 5Y (selected), 10Y]\n' +
      '[Checkbox: Urgent (selected)]\n[Option: Buy]\n[Option: Sell (selected)]\n[Person selector Approver]\n[Date picker Value date: 2026-03-16]\n[Button: Approve]\n[Button: Reset]');
    const files = get('unsafe-filenames').attachments;
    expect(files.map((a) => a.filename.slice(0, 16))).toEqual(['_CON.txt', 'invoicefdp.exe', '長い名前長い名前長い名前長い名前']);
    expect(Buffer.byteLength(files[2]!.filename)).toBeLessThanOrEqual(255);
    expect(files[2]!.filename.endsWith('….pdf')).toBe(true);
    expect(files.map((a) => a.custody?.originalName)).toEqual(['CON.txt', 'invoice\u202Efdp.exe', `${'長い名前'.repeat(25)}.pdf`]);
    expect(files[1]!.contentType).toBe('application/x-msdownload');
    const svg = get('svg-with-script').attachments;
    expect(svg.map((a) => [a.contentType, a.inline, a.contentId])).toEqual([['image/svg+xml', false, undefined], ['image/svg+xml', false, undefined]]);
    expect(get('svg-with-script').html).not.toContain('<img');
    expect(get('edit-of-archived').text).toMatch(/^\[Edit of the message sent 2026-03-14 \d\d:\d\d:\d\d UTC: "Bid 3.40 for 50m 5Y" \(Symphony message golden-msg-\d+\)\]\n\nBid 3.41/);
    expect(get('edit-of-archived').inReplyTo).toBe(`<${items.find((i) => i.name === 'edit-of-archived')!.message.replacesMessageId}@acme.symphony.com.symphony.archive>`);
    expect(get('original-edited-later').text).toMatch(/^\[This message was edited at .* UTC \(Symphony message golden-msg-\d+\)\]\n\nOffer 3.45$/);
    expect(get('original-edited-later').subject).toContain('(later edited)');
    const external = get('cross-pod-external');
    expect(external.text.split('\n').slice(0, 2)).toEqual(['[External participants: Other Firm Trader <trader@other-firm.example>]', '[Cross-pod conversation: members from other Symphony pods take part]']);
    expect(external.headers).toContainEqual({ name: 'X-Symphony-Cross-Pod', value: 'true' });
    expect(external.headers).toContainEqual({ name: 'X-Symphony-External-Participants', value: 'trader@other-firm.example' });
  });
});
