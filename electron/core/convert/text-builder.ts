/**
 * Builds the plain-text body the way a reader expects it: whitespace collapsed as a browser
 * would, blocks on their own lines, paragraphs separated by one blank line, prefixes (list
 * indentation, "> " for quotes) at the start of every line. Breaks are requested lazily, so the
 * text never starts or ends with blank lines.
 */
export interface TextSnapshot {
  length: number;
  pending: number;
  lineStarted: boolean;
  lastWasSpace: boolean;
  empty: boolean;
}

export class TextBuilder {
  private readonly parts: string[] = [];
  private prefixes: string[] = [];
  /** Newlines owed before the next content (0, 1 or 2). */
  private pending = 0;
  private lineStarted = false;
  private lastWasSpace = false;
  private empty = true;
  /** Inside a table cell every break is a space, so one row stays one line. */
  private cellDepth = 0;

  pushPrefix(prefix: string): void {
    this.prefixes.push(prefix);
  }

  popPrefix(): void {
    this.prefixes.pop();
  }

  enterCell(): void {
    this.cellDepth++;
  }

  leaveCell(): void {
    this.cellDepth--;
  }

  /** Flowing text: runs of whitespace become one space; leading space on a line is dropped. */
  write(text: string): void {
    let value = text.replace(/[\s\u00a0]+/g, ' ');
    if (!this.lineStarted || this.lastWasSpace) value = value.replace(/^ /, '');
    if (value === '') return;
    this.emit(value);
    this.lastWasSpace = value.endsWith(' ');
  }

  /** Preformatted text: kept as is, each line with the current prefix. */
  writePre(text: string): void {
    const lines = text.replace(/\r\n?/g, '\n').split('\n');
    lines.forEach((line, index) => {
      if (index > 0) this.newLineNow();
      if (line !== '') this.emit(line);
    });
    this.lastWasSpace = false;
  }

  /** Text that must start a line of its own (a list bullet, a rule). */
  writeMarker(marker: string): void {
    this.block();
    this.emit(marker);
    this.lastWasSpace = marker.endsWith(' ');
  }

  /** The next content starts on a new line. */
  block(): void {
    if (this.cellDepth > 0) return this.write(' ');
    if (this.lineStarted) {
      this.pending = Math.max(this.pending, 1);
      this.lineStarted = false;
    }
  }

  /** The next content starts after one blank line. */
  paragraph(): void {
    if (this.cellDepth > 0) return this.write(' ');
    if (!this.empty) this.pending = 2;
    this.lineStarted = false;
  }

  /** `<br>`: ends the line; two in a row leave an empty line. */
  lineBreak(): void {
    if (this.cellDepth > 0) return this.write(' ');
    if (this.lineStarted) {
      this.pending = Math.max(this.pending, 1);
      this.lineStarted = false;
    } else if (!this.empty) {
      this.pending = Math.min(this.pending + 1, 3);
    }
  }

  /** A point to come back to when an entity replaces what its span contained. */
  snapshot(): TextSnapshot {
    return { length: this.parts.length, pending: this.pending, lineStarted: this.lineStarted, lastWasSpace: this.lastWasSpace, empty: this.empty };
  }

  restore(snapshot: TextSnapshot): void {
    this.parts.length = snapshot.length;
    this.pending = snapshot.pending;
    this.lineStarted = snapshot.lineStarted;
    this.lastWasSpace = snapshot.lastWasSpace;
    this.empty = snapshot.empty;
  }

  toString(): string {
    return this.parts.join('').replace(/[ \t]+$/gm, '');
  }

  /** Ends the line now, even an empty one (inside preformatted text). */
  private newLineNow(): void {
    if (!this.lineStarted) this.emit('');
    this.parts.push('\n', this.prefixes.join(''));
  }

  private emit(value: string): void {
    if (!this.lineStarted) {
      if (!this.empty) this.parts.push('\n'.repeat(Math.max(this.pending, 1)));
      this.pending = 0;
      this.parts.push(this.prefixes.join(''));
      this.lineStarted = true;
      this.lastWasSpace = false;
    }
    this.parts.push(value);
    this.empty = false;
  }
}
