import fs from 'node:fs';
import path from 'node:path';

const CHUNK = 64 * 1024;

/**
 * The last `lines` lines of the application log, read backwards from the end in chunks so a large
 * log costs only what is shown. A missing file (a host that logs nowhere) gives no lines.
 */
export function tailLog(logsDir: string, lines: number, fileName = 'main.log'): { file: string; lines: string[]; truncated: boolean } {
  const file = path.join(logsDir, fileName);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return { file, lines: [], truncated: false };
  }
  try {
    let position = fs.fstatSync(fd).size;
    let text = '';
    // One extra line: the first one read is usually cut in the middle.
    while (position > 0 && text.split('\n').length <= lines + 1) {
      const size = Math.min(CHUNK, position);
      position -= size;
      const buffer = Buffer.alloc(size);
      fs.readSync(fd, buffer, 0, size, position);
      text = buffer.toString('utf8') + text;
    }
    const all = text.split(/\r?\n/);
    if (all.at(-1) === '') all.pop();
    const truncated = position > 0 || all.length > lines;
    return { file, lines: all.slice(-lines), truncated };
  } finally {
    fs.closeSync(fd);
  }
}
