import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Conversation } from '../../electron/core/model/captured';
import type { ConvertedEmail } from '../../electron/core/model/email';
import { convertMessage } from '../../electron/core/convert/message';
import { toMime } from '../../electron/core/convert/mime';
import { custodyValue, decodeCustodyValue, normaliseAddress } from '../../electron/core/model/normalise';
import { renderMessage, unfoldHeaders } from '../../electron/core/graph/message';
import { validateMessage } from '../../electron/sandbox/emulators/graph/validate';
import { parseWithMailparser, parseWithPostalMime, pythonDefects, writeAll } from '../fixtures/convert/mime-check';
import { makeTempDir } from '../support/tmp';

/**
 * Issue #15 (and #16): one normalisation for both paths. The addresses no reader or Graph can
 * take as they are go through the .eml and through the Graph JSON and come out the same, valid:
 * IDN as punycode; a non-ASCII or malformed local part as a placeholder with the original kept
 * visible in the name and in X-Symphony-Original-Address; lone surrogates as U+FFFD.
 */

// RFC 5322 dot-atom addr-spec, ASCII only, with a dotted domain of LDH labels.
const ADDR_SPEC = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

const RAW = [
  { name: 'Jörg Müller', address: 'jörg@acme.example' },
  { name: 'Kunde', address: 'user@bücher.example' },
  { name: 'Dot \ud800 Double', address: 'dot..double@acme.example' },
];

function email(): ConvertedEmail {
  return {
    archiveKey: 'addr:m:1', messageId: '<addr-1@acme.symphony.com.symphony.archive>', references: [], from: RAW[0]!, to: RAW.slice(1), cc: [],
    subject: 'Lone \udc00 surrogate', date: new Date(Date.UTC(2026, 2, 1)), html: '<p>x\ud800y</p>', text: 'x\ud800y', attachments: [], headers: [{ name: 'X-Symphony-Message-Id', value: 'addr-1' }],
  };
}

describe('recipients and text: the same normalisation for the .eml and the Graph item', () => {
  const temp = makeTempDir('convert-addresses-');
  afterAll(() => temp.cleanup());

  it('normalises each address once, idempotently', () => {
    const [jorg, idn, dots] = RAW.map(normaliseAddress);
    expect(idn).toEqual({ address: { name: 'Kunde', address: 'user@xn--bcher-kva.example' } });
    expect(jorg?.original).toBe('jörg@acme.example');
    expect(jorg?.address.name).toBe('Jörg Müller (jörg@acme.example)');
    expect(dots?.address.name).toBe('Dot \ufffd Double (dot..double@acme.example)');
    for (const n of [jorg, idn, dots]) {
      expect(n!.address.address).toMatch(ADDR_SPEC);
      expect(normaliseAddress(n!.address)).toEqual({ address: n!.address });
    }
    expect(decodeCustodyValue(custodyValue('jörg; "x" =?y?= 100%'))).toBe('jörg; "x" =?y?= 100%');
  });

  it('gives the same valid addresses, custody header and text on both paths', async () => {
    const input = email();
    const eml = await toMime(input);
    const json = JSON.stringify(renderMessage(input, { markAsRead: true }, []));
    // No lone-surrogate escape reaches Graph; the emulator's validation takes the request.
    expect(json).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i);
    const graph = validateMessage(JSON.parse(json));
    const recipients = (field: unknown) => (field as Array<{ emailAddress: { name: string; address: string } }>).map((r) => r.emailAddress);
    const graphFrom = recipients([graph.fields.from]);
    const graphTo = recipients(graph.fields.toRecipients);
    for (const a of [...graphFrom, ...graphTo]) expect(a.address).toMatch(ADDR_SPEC);
    for (const parsed of [await parseWithMailparser(eml), await parseWithPostalMime(eml)]) {
      expect([parsed.from]).toEqual(graphFrom);
      expect(parsed.to).toEqual(graphTo);
      expect(parsed.subject).toBe('Lone \ufffd surrogate');
      expect(parsed.text).toBe('x\ufffdy');
      expect(parsed.headers.get('x-symphony-original-address')).toBe('from=j%C3%B6rg@acme.example; to=dot..double@acme.example');
    }
    expect(graph.fields.subject).toBe('Lone \ufffd surrogate');
    expect(unfoldHeaders(graph.headers)).toContainEqual({ name: 'X-Symphony-Original-Address', value: 'from=j%C3%B6rg@acme.example; to=dot..double@acme.example' });
    writeAll(path.join(temp.dir, 'eml'), new Map([['a.eml', eml]]));
    const python = pythonDefects(path.join(temp.dir, 'eml'));
    if (python) expect(python).toEqual({ 'a.eml': [] });
  });

  it('converting participants with those addresses gives the same result as the hand-made e-mail', async () => {
    const conversation: Conversation = {
      connectorId: 'addr', streamId: 'addr-stream', streamType: 'MIM', name: '', external: false, crossPod: false,
      members: RAW.map((r, i) => ({ userId: String(100 + i), displayName: r.name, email: r.address, external: false })),
    };
    const converted = await convertMessage({
      id: 1, connectorId: 'addr', pod: 'acme.symphony.com', messageId: 'addr-msg', streamId: 'addr-stream', timestamp: Date.UTC(2026, 2, 1), sender: conversation.members[0]!,
      presentationML: '<div data-format="PresentationML" data-version="2.0">hi</div>', entityJSON: '', attachments: [], replacesMessageId: null, sourceJson: '{}', sourceSha256: '0'.repeat(64), capturedAt: '',
    }, conversation);
    const graph = renderMessage(converted, { markAsRead: true }, []);
    expect(graph.from?.emailAddress).toEqual({ name: converted.from.name, address: converted.from.address });
    expect(graph.toRecipients?.map((r) => r.emailAddress?.address)).toEqual(converted.to.map((a) => a.address));
    expect(converted.from).toEqual(normaliseAddress(RAW[0]!).address);
    expect(converted.to.map((a) => a.address).sort()).toEqual([normaliseAddress(RAW[1]!).address.address, normaliseAddress(RAW[2]!).address.address].sort());
    expect(converted.headers).toContainEqual({ name: 'X-Symphony-Original-Address', value: expect.stringMatching(/^from=j%C3%B6rg@acme\.example; to=dot\.\.double@acme\.example$/) });
    const parsed = await parseWithPostalMime(await toMime(converted));
    expect([parsed.from, ...parsed.to]).toEqual([converted.from, ...converted.to]);
  });
});
