/** The two IPC channel names, declared once for main and preload. */
export const IPC_CALL = 'archiver:call';
export const IPC_EVENT = 'archiver:event';
