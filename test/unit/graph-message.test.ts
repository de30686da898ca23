import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/tmp';
import { attachmentFile, deterministicBytes, makeEmail } from '../support/import-fixtures';
import { ARCHIVE_KEY_PROPERTY, ATTACHMENT_CUSTODY_PROPERTY, CUSTODY_PROPERTY, foldHeaders, planAttachments, renderMessage, unfoldHeaders, PR_CONVERSATION_INDEX, PR_CONVERSATION_TOPIC, PR_MESSAGE_FLAGS } from '../../electron/core/graph/message';
import { validateMessage } from '../../electron/sandbox/emulators/graph/validate';

describe('rendering a ConvertedEmail as a Graph message', () => {
  it('sets the flags, dates and archive key that make a non-draft archive item', () => {
    const email = makeEmail(42);
    const message = renderMessage(email, { markAsRead: false }, []);
    const props = Object.fromEntries(message.singleValueExtendedProperties!.map((p) => [p.id, p.value]));
    expect(props[PR_MESSAGE_FLAGS]).toBe('0');
    expect(props['SystemTime 0x0039']).toBe(email.date.toISOString());
    expect(props['SystemTime 0x0E06']).toBe(email.date.toISOString());
    expect(props[ARCHIVE_KEY_PROPERTY]).toBe(email.archiveKey);
    expect(JSON.parse(props[CUSTODY_PROPERTY]!)).toEqual(email.headers);
    expect(message.internetMessageId).toBe(email.messageId);
    // What Graph would make of it (the emulator's rules, docs/decisions/graph-import.md).
    const stored = validateMessage(message);
    expect(stored).toMatchObject({ isDraft: false, isRead: false, sentDateTime: email.date.toISOString() });
    expect(validateMessage(renderMessage(email, { markAsRead: true }, []))).toMatchObject({ isDraft: false, isRead: true });
    expect(validateMessage(renderMessage(email, { markAsRead: true, asDraft: true }, [])).isDraft).toBe(true);
  });

  it('carries the conversation (topic and index) and each attachment\'s custody record', () => {
    const temp = makeTempDir();
    try {
      const file = attachmentFile(temp.dir, 'a.pdf', deterministicBytes('a', 10), { custody: { originalName: 'CON\u202e.pdf', declaredType: 'application/pdf', sniffedType: '' } });
      const email = { ...makeEmail(3, [file]), thread: { topic: 'Symphony room: Rates', index: Buffer.alloc(22, 1).toString('base64') } };
      const props = Object.fromEntries(renderMessage(email, { markAsRead: true }, []).singleValueExtendedProperties!.map((p) => [p.id, p.value]));
      expect(props[PR_CONVERSATION_TOPIC]).toBe('Symphony room: Rates');
      expect(props[PR_CONVERSATION_INDEX]).toBe(email.thread.index);
      expect(JSON.parse(props[ATTACHMENT_CUSTODY_PROPERTY]!)).toEqual([{ name: 'a.pdf', originalName: 'CON\u202e.pdf', declaredType: 'application/pdf', sniffedType: '' }]);
      // Without a thread (an e-mail built outside the converter) the index still derives from the root reference.
      const plain = Object.fromEntries(renderMessage(makeEmail(4), { markAsRead: true }, []).singleValueExtendedProperties!.map((p) => [p.id, p.value]));
      expect(Buffer.from(plain[PR_CONVERSATION_INDEX]!, 'base64')).toHaveLength(22);
      expect(plain[PR_CONVERSATION_TOPIC]).toBeUndefined();
    } finally {
      temp.cleanup();
    }
  });

  it('folds more than five custody headers into the fifth and unfolds them losslessly', () => {
    const headers = Array.from({ length: 9 }, (_, i) => ({ name: `X-Symphony-H${i}`, value: `v${i}; with % and ; signs` }));
    const folded = foldHeaders(headers);
    expect(folded).toHaveLength(5);
    expect(folded.every((h) => /^x-/i.test(h.name!))).toBe(true);
    expect(unfoldHeaders(folded)).toEqual(headers);
    expect(foldHeaders(headers.slice(0, 5))).toEqual(headers.slice(0, 5));
    // No headers: the property is left out, because Graph refuses an empty collection.
    expect(renderMessage({ ...makeEmail(1), headers: [] }, { markAsRead: true }, []).internetMessageHeaders).toBeUndefined();
  });

  it('keeps the create request under 4 MB counting base64 growth, and never inlines 3 MB or more', () => {
    const temp = makeTempDir();
    try {
      const mb = 1024 * 1024;
      const email = makeEmail(7, [
        attachmentFile(temp.dir, 'a.bin', deterministicBytes('a', 1.2 * mb)),
        attachmentFile(temp.dir, 'b.bin', deterministicBytes('b', 1.2 * mb)),
        attachmentFile(temp.dir, 'c.bin', deterministicBytes('c', 1.2 * mb)),
        attachmentFile(temp.dir, 'd.txt', deterministicBytes('d', 10_000)),
        attachmentFile(temp.dir, 'e.bin', deterministicBytes('e', 3 * mb + 1)),
      ]);
      const plan = planAttachments(email, { markAsRead: true });
      // 1.2 MB is 1.6 MB of base64: two fit under 4 MB, the third does not; the small one still does.
      expect(plan.inline).toEqual([0, 1, 3]);
      expect(plan.later).toEqual([2, 4]);
    } finally {
      temp.cleanup();
    }
  });

  it('renders an e-mail once per set of options, and what a caller changes on a message is not in the next one', () => {
    const email = makeEmail(7);
    const first = renderMessage(email, { markAsRead: true }, [{ name: 'a.txt', contentBytes: 'YQ==' }]);
    first.singleValueExtendedProperties = [...first.singleValueExtendedProperties!, { id: 'String 0x001A', value: 'IPM.Test' }];
    first.subject = 'changed';
    const second = renderMessage(email, { markAsRead: true }, []);
    expect(second.subject).toBe(email.subject);
    expect(second.attachments).toBeUndefined();
    expect(second.singleValueExtendedProperties!.some((p) => p.id === 'String 0x001A')).toBe(false);
    // Other options, another rendering: unread and a draft are not taken from the read one.
    expect(renderMessage(email, { markAsRead: false }, []).isRead).toBe(false);
    expect(validateMessage(renderMessage(email, { markAsRead: true, asDraft: true }, [])).isDraft).toBe(true);
    // The same e-mail under the same options gives equal JSON each time.
    expect(JSON.stringify(renderMessage(email, { markAsRead: true }, []))).toBe(JSON.stringify(second));
  });
});
