/** The IPC channel names, declared once for main and preload. */
export const IPC_CALL = 'archiver:call';
export const IPC_EVENT = 'archiver:event';
/** A desktop upload, one step per message: ('begin') → id, ('chunk', id, bytes), ('finish', id). */
export const IPC_UPLOAD = 'archiver:upload';
