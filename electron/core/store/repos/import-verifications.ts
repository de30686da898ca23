import type { ImportVerification } from '../../../../shared/contract';
import type { Store } from '../database';

interface Row {
  connector_id: string;
  mailbox: string;
  verified_method: string | null;
  evidence: string;
  verified_at: string;
}

/** SQL for `import_verifications`: the last Check import of each connector, with its evidence. */
export class ImportVerificationRepository {
  constructor(private readonly store: Store) {}

  save(verification: ImportVerification): void {
    this.store
      .prepare(
        `INSERT INTO import_verifications (connector_id, mailbox, verified_method, evidence, verified_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (connector_id) DO UPDATE SET mailbox = excluded.mailbox, verified_method = excluded.verified_method, evidence = excluded.evidence, verified_at = excluded.verified_at`,
      )
      .run(verification.connectorId, verification.mailbox, verification.verifiedMethod, JSON.stringify(verification), verification.verifiedAt);
  }

  get(connectorId: string): ImportVerification | null {
    const row = this.store.prepare('SELECT * FROM import_verifications WHERE connector_id = ?').get(connectorId) as Row | undefined;
    return row ? (JSON.parse(row.evidence) as ImportVerification) : null;
  }
}
