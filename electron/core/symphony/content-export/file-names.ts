/**
 * Content Export file names, as Symphony documents them:
 *   recurring  <format><company>_SD-<yyyy-mm-dd-HH>_ED-<yyyy-mm-dd-HH>_GD-<yyyy-mm-dd>_<ms>.zip
 *   ad hoc     <format><company>_CD-<yyyy-mm-dd>_GD-<yyyy-mm-dd>_<ms>.zip
 * e.g. e_acme-prod-1_SD-2019-08-13-00_ED-2019-08-14-00_GD-2019-08-14_1565741400162.zip, where the
 * `e_` prefix is the EML format. An encrypted file may carry a .pgp/.gpg suffix.
 */
export interface ExportFileName {
  name: string;
  kind: 'recurring' | 'ad-hoc' | 'unnamed';
  /** The one-letter format prefix (`e` for EML), when the name has one. */
  formatPrefix: string | null;
  company: string | null;
  /** Start of the covered content (UTC ms), when the name says. */
  contentStart: number | null;
  contentEnd: number | null;
  /** Generation time in ms from the name (orders the files). */
  generatedMs: number | null;
  /** The name says it is PGP-encrypted. */
  encryptedByName: boolean;
}

const EXPORT_SUFFIX = /\.(zip(\.(pgp|gpg|asc))?|pgp|gpg)$/i;
const RECURRING = /^(?:(?<prefix>[A-Za-z])_)?(?<company>.+?)_SD-(?<sd>\d{4}-\d{2}-\d{2}-\d{2})_ED-(?<ed>\d{4}-\d{2}-\d{2}-\d{2})_GD-(?<gd>\d{4}-\d{2}-\d{2})_?(?<ms>\d{10,})$/;
const AD_HOC = /^(?:(?<prefix>[A-Za-z])_)?(?<company>.+?)_CD-(?<cd>\d{4}-\d{2}-\d{2})_GD-(?<gd>\d{4}-\d{2}-\d{2})_?(?<ms>\d{10,})$/;

/** A file the export job delivers (the ZIP, possibly encrypted), as opposed to its .md5 or anything else. */
export function isExportFile(name: string): boolean {
  return EXPORT_SUFFIX.test(name) && !name.startsWith('.');
}

export function isChecksumFile(name: string): boolean {
  return /\.md5$/i.test(name);
}

export function parseExportFileName(name: string): ExportFileName {
  const encryptedByName = /\.(pgp|gpg|asc)$/i.test(name);
  const stem = name.replace(EXPORT_SUFFIX, '');
  const recurring = RECURRING.exec(stem)?.groups;
  if (recurring) {
    return {
      name,
      kind: 'recurring',
      formatPrefix: recurring.prefix?.toLowerCase() ?? null,
      company: recurring.company ?? null,
      contentStart: hourToMs(recurring.sd!),
      contentEnd: hourToMs(recurring.ed!),
      generatedMs: Number(recurring.ms),
      encryptedByName,
    };
  }
  const adHoc = AD_HOC.exec(stem)?.groups;
  if (adHoc) {
    const start = Date.parse(`${adHoc.cd}T00:00:00Z`);
    return {
      name,
      kind: 'ad-hoc',
      formatPrefix: adHoc.prefix?.toLowerCase() ?? null,
      company: adHoc.company ?? null,
      contentStart: Number.isNaN(start) ? null : start,
      contentEnd: Number.isNaN(start) ? null : start + 86_400_000,
      generatedMs: Number(adHoc.ms),
      encryptedByName,
    };
  }
  return { name, kind: 'unnamed', formatPrefix: null, company: null, contentStart: null, contentEnd: null, generatedMs: null, encryptedByName };
}

/** The .md5 names that may sit beside an export file on the server. */
export function checksumNamesFor(name: string): string[] {
  const withoutEncryption = name.replace(/\.(pgp|gpg|asc)$/i, '');
  const stem = withoutEncryption.replace(/\.zip$/i, '');
  return [...new Set([`${name}.md5`, `${withoutEncryption}.md5`, `${stem}.md5`])];
}

/** Oldest generation first, so a later export of the same period is read after the earlier one. */
export function compareExportFiles(a: ExportFileName, b: ExportFileName): number {
  const ga = a.generatedMs ?? Number.MAX_SAFE_INTEGER;
  const gb = b.generatedMs ?? Number.MAX_SAFE_INTEGER;
  return ga - gb || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

function hourToMs(value: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const ms = Date.parse(`${m[1]}T${m[2]}:00:00Z`);
  return Number.isNaN(ms) ? null : ms;
}
