import { Button } from '../../components/Button';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Checkbox, TextField } from '../../components/Field';
import type { RowEditor as RowEditorState } from './useRowEditor';

/** The inline form of one custom row; errors come from the contract's schema, then from the core. */
export function RowEditor({ editor, title }: { editor: RowEditorState; title: string }) {
  const editing = editor.editing;
  if (!editing) return null;
  const { draft, errors } = editing;
  return (
    <form
      className="mapping-editor"
      aria-label={title}
      data-testid="mapping-editor"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void editor.save();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          editor.cancel();
        }
      }}
    >
      <h2 className="mapping-editor-title">{title}</h2>
      <div className="field-row">
        <TextField label="Symphony user id" value={draft.symphonyUserId} error={errors.symphonyUserId} onChange={(v) => editor.change('symphonyUserId', v)} inputMode="numeric" />
        <TextField label="Symphony e-mail" value={draft.symphonyEmail} error={errors.symphonyEmail} onChange={(v) => editor.change('symphonyEmail', v)} type="email" />
      </div>
      <div className="field-row">
        <TextField
          label="Target mailbox (UPN)"
          value={draft.targetUpn}
          error={errors.targetUpn}
          onChange={(v) => editor.change('targetUpn', v)}
          hint="Empty: the mailbox found in the directory (automatic mapping)."
          autoFocus
          disabled={draft.exclude}
        />
        <TextField
          label="Also deliver to"
          value={draft.alsoDeliverTo}
          error={errors.alsoDeliverTo}
          onChange={(v) => editor.change('alsoDeliverTo', v)}
          hint="Supervisor or journal mailboxes, separated by semicolons."
          disabled={draft.exclude}
        />
      </div>
      <Checkbox label="Exclude: this participant receives nothing" checked={draft.exclude} onChange={(v) => editor.change('exclude', v)} />
      <TextField label="Note" value={draft.note} error={errors.note} onChange={(v) => editor.change('note', v)} />
      {editing.serverError && <ErrorNotice error={editing.serverError} title="The mapping was not saved" />}
      <div className="toolbar">
        <Button type="submit" variant="primary" busy={editing.busy}>
          Save mapping
        </Button>
        <Button onClick={editor.cancel}>Cancel</Button>
        {editing.customKey && (
          <Button variant="danger" onClick={() => void editor.remove()} disabled={editing.busy}>
            Remove custom row
          </Button>
        )}
      </div>
    </form>
  );
}
