import { useCallback, useState } from 'react';
import { customMappingSchema, type CustomMapping, type ParticipantRow } from '../../../../shared/contract';
import type { ArchiverError } from '../../../../shared/errors';
import { toArchiverError, useApi } from '../../state/api-context';

export interface Draft {
  symphonyUserId: string;
  symphonyEmail: string;
  targetUpn: string;
  /** As typed: addresses separated by semicolons. */
  alsoDeliverTo: string;
  exclude: boolean;
  note: string;
}

export type DraftErrors = Partial<Record<keyof Draft, string>>;

export interface Editing {
  /** The table row being edited ('new' for a row typed from scratch). */
  rowKey: string;
  /** The custom row this edit replaces, if any. */
  customKey: string | null;
  draft: Draft;
  errors: DraftErrors;
  /** Set after the first save attempt, so errors show while the officer corrects them. */
  validated: boolean;
  serverError: ArchiverError | null;
  busy: boolean;
}

export function draftFor(row: ParticipantRow | null): Draft {
  const c = row?.custom;
  if (c) return { ...c, alsoDeliverTo: c.alsoDeliverTo.join('; ') };
  return {
    symphonyUserId: row?.participant.userId ?? '',
    symphonyEmail: row?.participant.email ?? '',
    targetUpn: row?.resolvedMailbox ?? '',
    alsoDeliverTo: '',
    exclude: false,
    note: '',
  };
}

export function toMapping(draft: Draft): Record<keyof CustomMapping, unknown> {
  return {
    ...draft,
    alsoDeliverTo: draft.alsoDeliverTo
      .split(/[;,\s]+/)
      .map((a) => a.trim())
      .filter(Boolean),
  };
}

/** The contract's own schema, so the row shows the words the core would answer with. */
export function validateDraft(draft: Draft): DraftErrors {
  const result = customMappingSchema.safeParse(toMapping(draft));
  if (result.success) return {};
  const errors: DraftErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path[0] as keyof Draft | undefined;
    if (field && !errors[field]) errors[field] = issue.message;
  }
  return errors;
}

/** One inline edit at a time: the draft, its validation, and save / remove through the contract. */
export function useRowEditor(connectorId: string) {
  const api = useApi();
  const [editing, setEditing] = useState<Editing | null>(null);

  const start = useCallback((row: ParticipantRow | null) => {
    setEditing({ rowKey: row?.key ?? 'new', customKey: row?.customKey ?? null, draft: draftFor(row), errors: {}, validated: false, serverError: null, busy: false });
  }, []);

  const change = useCallback(<K extends keyof Draft>(field: K, value: Draft[K]) => {
    setEditing((e) => {
      if (!e) return e;
      const draft = { ...e.draft, [field]: value };
      // An excluded participant receives nothing: clear what would contradict it.
      if (field === 'exclude' && value === true) Object.assign(draft, { targetUpn: '', alsoDeliverTo: '' });
      return { ...e, draft, errors: e.validated ? validateDraft(draft) : e.errors, serverError: null };
    });
  }, []);

  const cancel = useCallback(() => setEditing(null), []);

  const save = useCallback(async () => {
    if (!editing) return false;
    const errors = validateDraft(editing.draft);
    if (Object.keys(errors).length > 0) {
      setEditing({ ...editing, errors, validated: true });
      return false;
    }
    setEditing({ ...editing, errors, validated: true, busy: true, serverError: null });
    try {
      const parsed = customMappingSchema.parse(toMapping(editing.draft));
      await api.invoke('mapping.set', { connectorId, mapping: parsed, replacesKey: editing.customKey ?? undefined });
      setEditing(null);
      return true;
    } catch (error) {
      setEditing((e) => e && { ...e, busy: false, serverError: toArchiverError(error) });
      return false;
    }
  }, [api, connectorId, editing]);

  const remove = useCallback(async () => {
    if (!editing?.customKey) return false;
    setEditing({ ...editing, busy: true, serverError: null });
    try {
      await api.invoke('mapping.remove', { connectorId, key: editing.customKey });
      setEditing(null);
      return true;
    } catch (error) {
      setEditing((e) => e && { ...e, busy: false, serverError: toArchiverError(error) });
      return false;
    }
  }, [api, connectorId, editing]);

  return { editing, start, change, cancel, save, remove };
}

export type RowEditor = ReturnType<typeof useRowEditor>;
