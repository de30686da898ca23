import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecentEmails } from '../../electron/core/convert/recent';
import type { ConvertedEmail } from '../../electron/core/model/email';

function email(archiveKey: string, bodyChars: number): ConvertedEmail {
  return {
    archiveKey,
    messageId: `<${archiveKey}@pod.symphony.archive>`,
    references: [],
    from: { name: 'A', address: 'a@x.example' },
    to: [],
    cc: [],
    subject: 's',
    date: new Date(0),
    html: 'h'.repeat(bodyChars),
    text: '',
    attachments: [],
    headers: [],
  } as unknown as ConvertedEmail;
}

describe('RecentEmails: what planning converted, for the import of the same run', () => {
  it('hands an e-mail out once, the very object remembered', () => {
    const recent = new RecentEmails();
    const a = email('c:m:a', 10);
    recent.remember(a);
    expect(recent.take('c:m:a')).toBe(a);
    expect(recent.take('c:m:a')).toBeUndefined();
    expect(recent.take('c:m:unknown')).toBeUndefined();
  });

  it('never keeps more than its limits, oldest out first, and never an e-mail above a quarter of the budget', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 6000 })), { maxLength: 200 }), (ops) => {
        const limits = { entries: 16, chars: 20_000 };
        const recent = new RecentEmails(limits);
        const model: { key: string; chars: number }[] = [];
        for (const [k, body] of ops) {
          const key = `c:m:${k}`;
          const e = email(key, body);
          recent.remember(e);
          const at = model.findIndex((m) => m.key === key);
          if (at >= 0) model.splice(at, 1);
          const chars = body + 1 + 512; // html + subject + one address's allowance
          if (chars <= limits.chars / 4) model.push({ key, chars });
          while (model.length > limits.entries || model.reduce((n, m) => n + m.chars, 0) > limits.chars) model.shift();
          expect(recent.size).toBe(model.length);
        }
        for (let k = 0; k <= 30; k++) {
          const key = `c:m:${k}`;
          expect(recent.take(key)?.archiveKey, key).toBe(model.some((m) => m.key === key) ? key : undefined);
        }
        expect(recent.size).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});
