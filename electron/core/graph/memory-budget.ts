import type { ConvertedEmail } from '../model/email';
import { MAX_REQUEST_BYTES, MAX_SIMPLE_ATTACHMENT_BYTES } from './message';

/**
 * Bytes the importer's deliveries may hold in memory at once: their e-mails and the create
 * requests built from them (inline attachments read from the spool, base64, the JSON body).
 *
 * The number of deliveries at once follows Graph's adaptive cap (thousands when many mailboxes
 * are busy), so a count alone would let memory grow with the cap: 4,000 deliveries of e-mails
 * with a 3 MB attachment each would hold tens of gigabytes. A delivery therefore takes its bytes
 * from this budget before it starts and gives them back when it ends; while the budget is spent,
 * the next one waits (first come, first served, so a large e-mail is not overtaken for ever).
 * One e-mail larger than the whole budget still goes, alone, rather than never.
 *
 * Hand-written because p-limit and bottleneck count tasks, not bytes.
 */
export class MemoryBudget {
  private held = 0;
  private holders = 0;
  private readonly waiters: Array<{ bytes: number; resolve: () => void }> = [];

  constructor(readonly maxBytes: number) {
    if (!(maxBytes > 0)) throw new RangeError(`a memory budget needs a positive size (got ${maxBytes})`);
  }

  /** Bytes taken by deliveries running now. */
  get heldBytes(): number {
    return this.held;
  }

  /** Deliveries waiting for bytes. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves once `bytes` fit (or nothing else is held), with the function that gives them back (once). */
  async take(bytes: number): Promise<() => void> {
    const amount = Math.max(0, Math.ceil(bytes));
    if (this.waiters.length === 0 && this.fits(amount)) this.grant(amount);
    else await new Promise<void>((resolve) => this.waiters.push({ bytes: amount, resolve }));
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.held -= amount;
      this.holders--;
      this.wake();
    };
  }

  private fits(bytes: number): boolean {
    return this.holders === 0 || this.held + bytes <= this.maxBytes;
  }

  private grant(bytes: number): void {
    this.held += bytes;
    this.holders++;
  }

  private wake(): void {
    while (this.waiters.length && this.fits(this.waiters[0]!.bytes)) {
      const next = this.waiters.shift()!;
      this.grant(next.bytes);
      next.resolve();
    }
  }
}

/**
 * What one delivery of `email` holds at most while it runs, an estimate on the safe side:
 * its text (bodies, subject, headers, recipients) three times over (the strings, the JSON body,
 * its bytes) and its inline attachments five times (the file read, its base64, that base64 in
 * the JSON string and in the request's bytes) — up to one create request's 4 MB of them, since
 * larger attachments travel later in 3.2 MB upload-session chunks whose buffers the UploadGate
 * bounds separately. Computed without rendering the request, which would cost a JSON pass.
 */
export function deliveryBytes(email: ConvertedEmail): number {
  let chars = email.html.length + email.text.length + email.subject.length + 1024;
  for (const h of email.headers) chars += h.name.length + h.value.length;
  for (const a of [email.from, ...email.to, ...email.cc]) chars += a.name.length + a.address.length + 16;
  let inline = 0;
  for (const a of email.attachments) if (a.size <= MAX_SIMPLE_ATTACHMENT_BYTES) inline += a.size;
  return 3 * chars + 5 * Math.min(inline, MAX_REQUEST_BYTES);
}
