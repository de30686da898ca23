/** A mailbox found in the tenant's directory for a Symphony e-mail address. */
export interface DirectoryMailbox {
  /** Lowercase user principal name: what deliveries address (`/users/{upn}/...`). */
  upn: string;
  /** Lowercase primary SMTP address. */
  mail: string;
  displayName: string;
}

/**
 * The tenant's directory, as automatic mapping needs it. `null` means "no mailbox has this
 * address"; a failure to ask (network, throttling, consent) must throw instead, so that it is never
 * cached as "not found".
 */
export interface DirectoryLookup {
  findMailbox(email: string): Promise<DirectoryMailbox | null>;
}
