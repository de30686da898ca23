import type { ConvertedEmail } from '../model/email';
import { MAX_REQUEST_BYTES, MAX_SIMPLE_ATTACHMENT_BYTES } from './message';

/**
 * Bytes the importer's deliveries may hold in memory at once: their e-mails, the create
 * requests built from them (inline attachments read from the spool, base64, the JSON body) and
 * what each request in flight holds besides (REQUEST_OVERHEAD_BYTES).
 *
 * The number of deliveries at once follows Graph's adaptive cap (thousands when many mailboxes
 * are busy), so a count alone would let memory grow with the cap: 4,000 deliveries of e-mails
 * with a 3 MB attachment each would hold tens of gigabytes. A delivery therefore takes its bytes
 * from this budget before it starts and gives them back when it ends; while the budget is spent,
 * the next one waits (first come, first served, so a large e-mail is not overtaken for ever).
 * One e-mail larger than the whole budget still goes, alone, rather than never. Because every
 * delivery takes at least REQUEST_OVERHEAD_BYTES, the budget also bounds the requests in flight
 * (a delivery has one at a time) to `maxBytes / REQUEST_OVERHEAD_BYTES`, so the adaptive cap
 * (adaptive-limit.ts), which grows only while it is what holds requests back, stops growing where
 * memory rather than Graph is the limit.
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
 * Default size of the budget: its share of the archiver's 300 MiB (docs/scale.md). The process
 * holds ≈ 115 MiB before a run (modules, SQLite), and capture and conversion run beside the
 * import. 32 MiB lets ≈ 400 of a day's deliveries run at once (≈ 80 KB each with their request;
 * under 512 however small), which is what Graph's 300 ms answers need for the 330 (a whole day)
 * to 1,300 (import alone) deliveries per second one core of JavaScript does on the 2-core machine
 * (Little's law: in flight = rate × latency, 0.3 s × 1,300 ≈ 390), while an e-mail with 2 MB of
 * inline attachments (≈ 10 MB counted) still runs beside hundreds of others. A smaller budget
 * would cut the import's throughput, a larger one lets memory grow with the mailboxes again.
 */
export const DEFAULT_IMPORT_MEMORY_BYTES = 32 * 1024 * 1024;

/**
 * What one Graph request in flight holds in the archiver's process beyond its e-mail's counted
 * bytes: its socket (undici opens one per request in flight: HTTP/1.1, no pipelining), the SDK's
 * middleware context, the fetch Request and Response, headers, promises and closures along the
 * way, the answer's JSON, and the garbage the heap carries in proportion to all of it.
 *
 * Measured with bench/request-memory.ts (`npx tsx bench/request-memory.ts 200,800`): a fresh
 * bundled process per N holds N creates in flight at once against the Graph emulator in another
 * process (10 s per create, so all N are in flight together), the cap held at N. Per extra request
 * in flight, three runs on the 2-core machine (load 7–16): 75–106 KB of peak RSS (the e-mail's own
 * counted bytes, 3.7–18.6 KB, included) and 35–50 KB of heap still live after two full
 * collections; a heap snapshot diff (400 vs 50 in flight, a 6 KB body) put 20 KB of that in the
 * e-mail's strings (the JSON body, the HTML) and 19 KB in ≈ 200 small objects (SDK context,
 * promises, closures, undici's Request, timers, a socket for every other request). 64 KiB is the
 * peak RSS per request less the e-mail's part, on the safe side of the live heap.
 */
export const REQUEST_OVERHEAD_BYTES = 64 * 1024;

/**
 * What one delivery of `email` holds at most while it runs, an estimate on the safe side: its
 * request's overhead in flight (above), its text (bodies, subject, headers, recipients) three times over (the strings, the JSON body,
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
  return REQUEST_OVERHEAD_BYTES + 3 * chars + 5 * Math.min(inline, MAX_REQUEST_BYTES);
}
