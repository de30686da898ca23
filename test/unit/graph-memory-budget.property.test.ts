import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryBudget, REQUEST_OVERHEAD_BYTES, deliveryBytes } from '../../electron/core/graph/memory-budget';
import { MAX_REQUEST_BYTES } from '../../electron/core/graph/message';
import { makeEmail } from '../support/import-fixtures';

const ticks = (n: number) => new Promise<void>((resolve) => (n <= 0 ? resolve() : setImmediate(() => void ticks(n - 1).then(resolve))));

describe('the importer memory budget', () => {
  it('never holds more than its size (except one request larger than it, alone), serves in arrival order and lets everyone through', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1000 }), fc.array(fc.record({ bytes: fc.nat(1500), hold: fc.nat(4) }), { minLength: 1, maxLength: 60 }), async (max, requests) => {
        const budget = new MemoryBudget(max);
        const granted: number[] = [];
        let holders = 0;
        await Promise.all(
          requests.map(async ({ bytes, hold }, i) => {
            const giveBack = await budget.take(bytes);
            holders++;
            granted.push(i);
            expect(budget.heldBytes <= max || holders === 1).toBe(true);
            await ticks(hold);
            holders--;
            giveBack();
            giveBack(); // a second call gives nothing back twice
          }),
        );
        expect(granted).toEqual(requests.map((_, i) => i));
        expect(budget.heldBytes).toBe(0);
        expect(budget.waiting).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('counts an e-mail by its request in flight, its text and the attachments its create request carries, not the ones uploaded later', () => {
    const plain = makeEmail(1);
    const small = { filename: 'a.txt', contentType: 'text/plain', path: '/nowhere', size: 100_000, sha256: '', inline: false };
    const large = { ...small, filename: 'b.bin', size: 50 * 1024 * 1024 };
    const base = deliveryBytes(plain);
    // However small the e-mail, its request in flight holds a socket and the SDK's objects.
    expect(base).toBeGreaterThan(REQUEST_OVERHEAD_BYTES + 3 * plain.html.length);
    expect(deliveryBytes({ ...plain, attachments: [small] })).toBe(base + 5 * 100_000);
    // A 50 MB file travels by upload session in bounded chunks: it adds nothing here.
    expect(deliveryBytes({ ...plain, attachments: [large] })).toBe(base);
    // At most one request's worth of inline attachments.
    const many = Array.from({ length: 30 }, (_, i) => ({ ...small, filename: `f${i}`, size: 2 * 1024 * 1024 }));
    expect(deliveryBytes({ ...plain, attachments: many })).toBe(base + 5 * MAX_REQUEST_BYTES);
  });
});
