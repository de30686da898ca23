import { randomBytes, randomUUID, createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Connector, ImportMethod, ImportVerification, ProbeCheck, ProbeMethodResult } from '../../../shared/contract';
import { ArchiverError, errorText } from '../../../shared/errors';
import { addAttachment } from '../graph/attachments';
import type { GraphClient } from '../graph/client';
import { describeGraphFailure, GraphRequestError } from '../graph/errors';
import { FolderResolver } from '../graph/folders';
import { JsonDestination } from '../graph/json-destination';
import { mailboxProblem } from '../graph/permissions';
import type { Destination, DeliveryTarget, RemoteItem } from '../model/destination';
import type { ConvertedEmail, EmailAttachment } from '../model/email';
import type { Clock } from '../platform/clock';
import type { Store } from '../store/database';
import { DeliveryRepository } from '../store/repos/deliveries';
import { ImportVerificationRepository } from '../store/repos/import-verifications';
import { MimeDestination } from './graph-mime';
import { check, compareReadback, essentialChecks } from './probe-checks';

/** Over the 3 MB of a simple attachment post, so JSON create needs an upload session for it. */
const LARGE_BYTES = 3 * 1024 * 1024 + 200_000;
const SMALL_BYTES = 20_000;
/** A date well in the past, so a service that stamps "now" shows. */
const PROBE_DATE = new Date(Date.UTC(2020, 1, 3, 4, 5, 6));

export interface ProbeDeps {
  store: Store;
  connector: Pick<Connector, 'id' | 'settings'>;
  graph: GraphClient;
  clock: Clock;
  /** Scratch folder for the probe's attachment files; emptied afterwards. */
  dir: string;
  signal?: AbortSignal;
}

/**
 * Check import: with each method, write a probe item into the mailbox, read it back, delete it,
 * and record what held (docs/decisions/graph-import.md, "Check import"). The connector's
 * configured method counts as verified only when everything essential held for it.
 */
export async function verifyImport(deps: ProbeDeps, mailbox: string): Promise<ImportVerification> {
  const settings = deps.connector.settings.microsoft;
  const folders = new FolderResolver(deps.graph, new DeliveryRepository(deps.store), deps.connector.id, settings.folderName, deps.clock);
  let folderId: string;
  try {
    folderId = await folders.ensure(mailbox, deps.signal);
  } catch (error) {
    const problem = mailboxProblem(error, mailbox);
    if (problem) throw new ArchiverError({ code: 'invalid-input', message: problem.message ?? `${mailbox} cannot be written.`, fix: 'Choose a mailbox the archiver may write to, or fix its license or the application access policy.', target: 'mailbox' });
    throw describeGraphFailure(error, mailbox);
  }
  const target: DeliveryTarget = { mailbox, folderId, signal: deps.signal };
  const dir = path.join(deps.dir, `probe-${randomUUID()}`);
  fs.mkdirSync(dir, { recursive: true });
  try {
    const large = writeFile(dir, 'probe-large.bin', LARGE_BYTES);
    const small = writeFile(dir, 'probe-note.txt', SMALL_BYTES);
    const methods: ProbeMethodResult[] = [];
    for (const method of ['graph-json', 'graph-mime'] as const) methods.push(await probeMethod(deps, method, target, large, small, path.join(dir, 'scratch')));
    const configured = settings.importMethod;
    const verification: ImportVerification = {
      connectorId: deps.connector.id,
      mailbox,
      verifiedAt: new Date(deps.clock.now()).toISOString(),
      verifiedMethod: methods.find((m) => m.method === configured)?.held ? configured : null,
      configuredMethod: configured,
      methods,
    };
    new ImportVerificationRepository(deps.store).save(verification);
    return verification;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function probeMethod(deps: ProbeDeps, method: ImportMethod, target: DeliveryTarget, large: EmailAttachment, small: EmailAttachment, scratchDir: string): Promise<ProbeMethodResult> {
  const messageClass = deps.connector.settings.microsoft.messageClass;
  const destination: Destination =
    method === 'graph-json' ? new JsonDestination({ graph: deps.graph, messageClass, scratchDir }) : new MimeDestination({ graph: deps.graph, maxRequestBytes: Number.POSITIVE_INFINITY });
  let email = probeEmail(deps.connector.id, method, [large, small]);
  const checks: ProbeCheck[] = [];
  let item: RemoteItem | undefined;
  let largeNote: string | undefined;
  let largeRefusedForSize = false;
  try {
    let created: { item: RemoteItem; attachError?: unknown };
    try {
      created = await create(deps, destination, target, email);
    } catch (error) {
      // importMime states no size limit: a refusal for size is a measured fact, and the rest is probed without the large file.
      if (method !== 'graph-mime' || !(error instanceof GraphRequestError) || error.status !== 413) throw error;
      largeRefusedForSize = true;
      largeNote = `refused for size (${error.status} ${error.code}); such e-mails go by JSON create`;
      email = probeEmail(deps.connector.id, method, [small]);
      created = await create(deps, destination, target, email);
    }
    item = created.item;
    if (created.attachError !== undefined) largeNote = `refused: ${explain(method, created.attachError, target.mailbox)}`;
    checks.push(check('created', true, 'created', item.isDraft ? 'created (as a draft)' : 'created'));
    const back = await destination.read(target, item.id);
    const compared = compareReadback(method, email, back, messageClass, largeRefusedForSize ? undefined : { name: large.filename, size: large.size });
    checks.push(...compared.map((c) => (c.name === 'large-attachment' && largeNote ? { ...c, actual: largeNote } : c)));
  } catch (error) {
    if (!checks.some((c) => c.name === 'created')) checks.push(check('created', item !== undefined, 'created', item ? 'created' : 'not created'));
    return { method, held: false, checks, error: explain(method, error, target.mailbox) };
  } finally {
    if (item) checks.push(await removeProbe(destination, target, email, item));
  }
  const essential = essentialChecks(method, largeRefusedForSize);
  const held = essential.every((name) => checks.find((c) => c.name === name)?.held === true);
  return { method, held, checks };
}

/**
 * Creates the probe the way the importer would: the create itself, then any attachment left for
 * afterwards. A refused attachment is a measured fact, returned beside the item (which is read
 * back and deleted like any other).
 */
async function create(deps: ProbeDeps, destination: Destination, target: DeliveryTarget, email: ConvertedEmail): Promise<{ item: RemoteItem; attachError?: unknown }> {
  const options = { markAsRead: deps.connector.settings.microsoft.markAsRead, asDraft: false };
  const prepared = (await destination.prepare(email)) ?? email;
  const split = destination.split(prepared, options);
  const item = await destination.create(target, prepared, split, options);
  try {
    for (const index of split.later) await addAttachment(deps.graph, target.mailbox, item.id, prepared.attachments[index]!, { clock: deps.clock, signal: deps.signal });
  } catch (error) {
    return { item, attachError: error };
  }
  return { item };
}

async function removeProbe(destination: Destination, target: DeliveryTarget, email: ConvertedEmail, item: RemoteItem): Promise<ProbeCheck> {
  try {
    await destination.remove(target, item.id);
    const left = await destination.find(target, email);
    return check('deleted', left.length === 0, 'no probe left', left.length ? `${left.length} copy left` : 'none left');
  } catch (error) {
    return check('deleted', false, 'no probe left', errorText(error));
  }
}

function explain(method: ImportMethod, error: unknown, mailbox: string): string {
  if (method === 'graph-mime' && error instanceof GraphRequestError && error.status === 403) {
    return 'importMime was refused (403): it needs the application permission Mail-Advanced.ReadWrite.All (or delegated Mail-Advanced.ReadWrite) with admin consent. Grant it under Entra ID > App registrations > API permissions, then run Check import again.';
  }
  const described = describeGraphFailure(error, mailbox);
  return [described.message, described.detail].filter(Boolean).join(' ');
}

function writeFile(dir: string, name: string, size: number): EmailAttachment {
  const bytes = randomBytes(size);
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return { filename: name, contentType: name.endsWith('.txt') ? 'text/plain' : 'application/octet-stream', path: file, size, sha256: createHash('sha256').update(bytes).digest('hex'), inline: false };
}

function probeEmail(connectorId: string, method: ImportMethod, attachments: EmailAttachment[]): ConvertedEmail {
  const id = randomUUID();
  const archiveKey = `${connectorId}:probe:${method}:${id}`;
  return {
    archiveKey,
    messageId: `<probe.${id}@symphony-archiver.invalid>`,
    inReplyTo: `<probe-parent.${id}@symphony-archiver.invalid>`,
    references: [`<probe-root.${id}@symphony-archiver.invalid>`, `<probe-parent.${id}@symphony-archiver.invalid>`],
    from: { name: 'Symphony Archiver probe', address: 'probe@symphony-archiver.invalid' },
    to: [{ name: 'Symphony Archiver probe', address: 'probe@symphony-archiver.invalid' }],
    cc: [],
    subject: `Symphony Archiver: Check import (${method}) — this probe is deleted at once`,
    date: PROBE_DATE,
    html: '<p>Probe written by <b>Check import</b> to measure how this tenant stores archive items. It is deleted right after it is read back.</p>',
    text: 'Probe written by Check import to measure how this tenant stores archive items. It is deleted right after it is read back.',
    attachments,
    // Six custody headers: more than the five JSON create takes, so folding is probed too.
    headers: [
      { name: 'X-Symphony-Message-Id', value: `probe-${id}` },
      { name: 'X-Symphony-Stream-Id', value: 'probe-stream' },
      { name: 'X-Symphony-Stream-Type', value: 'ROOM' },
      { name: 'X-Symphony-Pod', value: 'probe.symphony.invalid' },
      { name: 'X-Symphony-Archive-Key', value: archiveKey },
      { name: 'X-Symphony-Source-SHA256', value: createHash('sha256').update(id).digest('hex') },
    ],
  };
}
