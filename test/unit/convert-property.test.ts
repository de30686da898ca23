import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { convertMessage } from '../../electron/core/convert/message';
import { chatCase, materialise, type ChatCase } from '../fixtures/convert/arbitraries';
import { checkFidelity } from '../fixtures/convert/fidelity-check';
import { PythonReader } from '../fixtures/convert/python-reader';
import { PNG_1X1 } from '../fixtures/convert/generate';
import { makeTempDir } from '../support/tmp';

/**
 * Issue #16's acceptance: generated messages (seeded, reproducible, shrinking on failure) convert
 * to e-mails that every reader — our MIME check, mailparser, postal-mime, Python's email under
 * the default and compat32 policies — reads without a defect and as exactly what was said.
 * To replay a failure, fast-check prints its seed and path; pass them as `{ seed, path }` below.
 */

const SEED = 20260316;
const RUNS = Number(process.env.CONVERT_PROPERTY_RUNS ?? 2000);

const base: ChatCase = {
  streamType: 'ROOM', roomName: 'Desk', crossPod: false, mention: false, edit: false, attachments: [], body: '<p>hello</p>',
  people: [{ displayName: 'Jane Doe', email: 'jane@acme.example', external: false }, { displayName: 'Pat Plain', email: 'pat@acme.example', external: false }],
};
const bytes = (value: string | Buffer) => new Uint8Array(Buffer.from(value));

/** One named case per defect class of the issue, run through the same checks. */
const NAMED: Array<[string, ChatCase]> = [
  ['attached .eml with NUL, bare CR and a long line', { ...base, attachments: [{ name: 'fwd.eml', declared: 'message/rfc822', inline: false, bytes: bytes(Buffer.concat([Buffer.from('Subject: x\rY\n\r\n'), Buffer.from([0, 13, 0]), Buffer.from('z'.repeat(5000))])) }] }],
  ['display name holding an encoded word', { ...base, people: [{ ...base.people[0]!, displayName: '=?utf-8?B?Q0VP?= <ceo@acme.example>' }, base.people[1]!] }],
  ['literal encoded word in an otherwise ASCII subject', { ...base, body: '=?utf-8?B?SGFja2Vk?= and =?iso-8859-1?Q?caf=E9?=' }],
  ['raw UTF-8 and invalid addresses', { ...base, people: [{ displayName: 'Jörg', email: 'jörg@acme.example', external: false }, { displayName: 'Kunde', email: 'user@bücher.example', external: false }, { displayName: 'Dots', email: 'dot..double@acme.example', external: false }] }],
  ['parts that would differ: attachment only, image only, empty markup', { ...base, body: '<table></table><br/>', attachments: [{ name: 'a.png', declared: 'image/png', inline: true, bytes: new Uint8Array(PNG_1X1) }, { name: 'b.pdf', declared: 'application/pdf', inline: false, bytes: bytes('%PDF-1.4\n') }] }],
  ['control characters and NUL in the body, lone surrogates', { ...base, body: 'a\u0000b\u0007c\u001bd\u0085e\u009bf\ud800g\udfffh&#0;i' }],
  ['subject over 255 characters', { ...base, roomName: 'Room '.repeat(80), body: 'x'.repeat(400) }],
  ['Elements form with every control', { ...base, body: '<form><text-field name="a">v</text-field><textarea name="t">long text</textarea><select name="s"><option>1</option><option selected="true">2</option></select><checkbox name="c" checked="true">C</checkbox><button name="b">Go</button></form>' }],
  ['chime only', { ...base, body: '<audio src="https://asset.symphony.com/symphony/audio/chime.mp3" autoplay="true"/>' }],
  ['CON.txt, U+202E and a 300-byte name', { ...base, attachments: [{ name: 'CON.txt', declared: 'text/plain', inline: false, bytes: bytes('x') }, { name: 'a\u202Etxt.exe', declared: '', inline: false, bytes: bytes('MZ') }, { name: `${'é'.repeat(150)}.txt`, declared: 'text/plain', inline: false, bytes: bytes('y') }] }],
  ['declared type against the bytes, SVG with script marked inline', { ...base, attachments: [{ name: 'x.png', declared: 'image/png', inline: true, bytes: bytes('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>') }, { name: 'y.txt', declared: 'text/plain', inline: true, bytes: new Uint8Array(PNG_1X1) }] }],
  ['external participants in a cross-pod stream, an edit', { ...base, crossPod: true, edit: true, people: [base.people[0]!, { displayName: 'Other Firm', email: '', external: true }] }],
];

describe('converted e-mails are exactly what was said, for every reader', () => {
  const temp = makeTempDir('convert-property-');
  const spool = path.join(temp.dir, 'spool');
  let python: PythonReader | undefined;
  beforeAll(async () => {
    python = process.env.CONVERT_PROPERTY_NO_PYTHON ? undefined : await PythonReader.start();
    if (!python) console.warn('python3 not found: the Python reader is skipped');
  });
  afterAll(() => {
    python?.stop();
    temp.cleanup();
  });
  let index = 0;
  const check = async (input: ChatCase) => {
    const { message, conversation } = materialise(input, spool, index++);
    await checkFidelity(await convertMessage(message, conversation), temp.dir, python);
  };

  it.each(NAMED)('%s', async (_name, input) => {
    await check(input);
  });

  it(`${RUNS} generated messages read back without a defect in any reader`, async () => {
    await fc.assert(fc.asyncProperty(chatCase, check), { seed: SEED, numRuns: RUNS, endOnFailure: false });
  }, 600_000);
});
