/** Formatting for the officer's eyes: local time, binary units, short durations. */

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${m % 60}m`;
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const diff = new Date(iso).getTime() - now;
  if (!Number.isFinite(diff)) return iso;
  const minutes = Math.round(diff / 60_000);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  if (Math.abs(minutes) < 60) return rtf.format(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (Math.abs(hours) < 48) return rtf.format(hours, 'hour');
  return rtf.format(Math.round(hours / 24), 'day');
}

/**
 * A scheduled start as every view shows it (status bar, connector details, wizard): the local
 * date and time, then how far away it is. The time itself always comes from the core.
 */
export function formatNextRun(iso: string | null | undefined, now = Date.now()): string {
  if (!iso || !Number.isFinite(new Date(iso).getTime())) return '—';
  return `${formatDateTime(iso)} (${formatRelative(iso, now)})`;
}

export function formatCount(n: number): string {
  return n.toLocaleString();
}

/** A conversation as the officer knows it: its name, or its kind and a short id for unnamed chats. */
export function conversationName(c: { name: string; streamType: string; streamId: string }): string {
  return c.name || `${c.streamType === 'IM' ? 'Chat' : c.streamType === 'ROOM' ? 'Room' : 'Group chat'} ${c.streamId.slice(0, 8)}`;
}
