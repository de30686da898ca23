import type { ConvertedEmail } from '../model/email';

export interface RecentEmailsLimits {
  /** At most this many e-mails are kept. */
  entries: number;
  /** At most this many UTF-16 code units of bodies and headers in all (attachments are spool paths, not bytes). */
  chars: number;
}

/**
 * The e-mails converted while a run planned them, kept for its import so that an item is
 * converted once between capture and Graph create, not once to measure it and again to send it.
 *
 * Bounded by count and by body size (least recently used out first; an e-mail larger than a
 * quarter of the budget is never kept), so a page of large e-mails is not held in memory: what no
 * longer fits is simply converted again when imported, from the same store rows, to the same
 * bytes (conversion is deterministic). One instance lives as long as one run's stages: the rows an
 * e-mail was made of do not change between its planning and its import within a run (capture runs
 * first), while a later run converts afresh.
 */
export class RecentEmails {
  private readonly emails = new Map<string, { email: ConvertedEmail; chars: number }>();
  private chars = 0;

  constructor(private readonly limits: RecentEmailsLimits = { entries: 2000, chars: 32 * 1024 * 1024 }) {}

  remember(email: ConvertedEmail): void {
    this.forget(email.archiveKey);
    const chars = weight(email);
    if (chars > this.limits.chars / 4) return;
    this.emails.set(email.archiveKey, { email, chars });
    this.chars += chars;
    while (this.emails.size > this.limits.entries || this.chars > this.limits.chars) {
      this.forget(this.emails.keys().next().value as string);
    }
  }

  /**
   * The e-mail remembered under the key, handed out once: the importer shares it between the
   * mailboxes of one fan-out itself, and a second load (a retry) converts again.
   */
  take(archiveKey: string): ConvertedEmail | undefined {
    const found = this.emails.get(archiveKey)?.email;
    this.forget(archiveKey);
    return found;
  }

  /** Forgets everything (the spool files an e-mail names were downloaded again). */
  clear(): void {
    this.emails.clear();
    this.chars = 0;
  }

  get size(): number {
    return this.emails.size;
  }

  private forget(archiveKey: string): void {
    const entry = this.emails.get(archiveKey);
    if (!entry) return;
    this.emails.delete(archiveKey);
    this.chars -= entry.chars;
  }
}

function weight(email: ConvertedEmail): number {
  return email.html.length + email.text.length + email.subject.length + email.headers.reduce((n, h) => n + h.name.length + h.value.length, 0) + 512 * (1 + email.to.length + email.attachments.length);
}
