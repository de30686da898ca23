import { describe, expect, it } from 'vitest';
import { excerpt } from '../../electron/core/convert/envelope';

describe('subject excerpt', () => {
  it('keeps a link as its text, the way the chat shows it', () => {
    expect(excerpt('See https://example.com/r <https://example.com/r/2288> for the deck')).toBe('See https://example.com/r for the deck');
    expect(excerpt('Write to desk <mailto:desk@acme.example> today')).toBe('Write to desk today');
  });

  it('keeps angle brackets that are not links', () => {
    expect(excerpt('if a <b> then sell')).toBe('if a <b> then sell');
  });

  it('cuts long text at a word and marks the cut', () => {
    const cut = excerpt('word '.repeat(40));
    expect(cut.endsWith('…')).toBe(true);
    expect(Array.from(cut).length).toBeLessThanOrEqual(61);
    expect(cut).not.toMatch(/wor…$/);
  });
});
