import type { Routed } from '../model/destination';
import type { ConvertedEmail } from '../model/email';

export interface RoutedEmailsLimits {
  /** At most this many e-mails are kept. */
  entries: number;
  /** At most this many UTF-16 code units of bodies and headers in all (attachments are spool paths). */
  chars: number;
}

/**
 * The e-mails the importer loaded (converted) and routed recently, so that an e-mail fanned out to
 * several mailboxes is loaded once while its deliveries run: the feeder rotates over mailboxes,
 * so the deliveries of one e-mail start close together. Bounded by count and by size, least
 * recently used out first; what no longer fits is loaded again (conversion is deterministic).
 * A failed load is forgotten at once, so the next delivery tries again.
 */
export class RoutedEmails {
  private readonly entries = new Map<string, { routed: Promise<Routed>; chars: number }>();
  private chars = 0;

  constructor(
    private readonly load: (archiveKey: string) => Promise<Routed>,
    private readonly limits: RoutedEmailsLimits = { entries: 256, chars: 16 * 1024 * 1024 },
  ) {}

  get(archiveKey: string): Promise<Routed> {
    const found = this.entries.get(archiveKey);
    if (found) {
      // Most recently used goes last.
      this.entries.delete(archiveKey);
      this.entries.set(archiveKey, found);
      return found.routed;
    }
    const entry = { routed: this.load(archiveKey), chars: 0 };
    this.entries.set(archiveKey, entry);
    entry.routed.then(
      (routed) => {
        if (this.entries.get(archiveKey) !== entry) return;
        entry.chars = weight(routed.email);
        this.chars += entry.chars;
        this.trim();
      },
      () => this.forget(archiveKey, entry),
    );
    this.trim();
    return entry.routed;
  }

  /** Entries kept now (for tests and diagnostics). */
  get size(): number {
    return this.entries.size;
  }

  private trim(): void {
    while (this.entries.size > this.limits.entries || (this.entries.size > 0 && this.chars > this.limits.chars)) {
      const [key, oldest] = this.entries.entries().next().value!;
      this.forget(key, oldest);
    }
  }

  private forget(archiveKey: string, entry: { chars: number }): void {
    if (this.entries.get(archiveKey) !== entry) return;
    this.entries.delete(archiveKey);
    this.chars -= entry.chars;
  }
}

function weight(email: ConvertedEmail): number {
  return email.html.length + email.text.length + email.subject.length + email.headers.reduce((n, h) => n + h.name.length + h.value.length, 0) + 512 * (1 + email.to.length + email.attachments.length);
}
