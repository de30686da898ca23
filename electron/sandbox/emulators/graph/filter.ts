/**
 * The few OData `$filter` forms Graph accepts for what the archiver asks, parsed strictly: anything
 * else is a 400, as Graph answers an unsupported filter. Names inside an extended property id are
 * case-sensitive; values are compared case-insensitively (see docs/decisions/graph-import.md).
 */
export type Predicate<T> = (item: T) => boolean;

export interface FilterAccessors<T> {
  /** Plain property access: `mail`, `userPrincipalName`, `displayName`. */
  property(item: T, name: string): string | undefined;
  /** Collection access for `any`: `proxyAddresses`, or extended properties as {id, value}. */
  collection(item: T, name: string): Array<string | { id: string; value: string }> | undefined;
}

export class FilterError extends Error {}

export function parseFilter<T>(filter: string, accessors: FilterAccessors<T>): Predicate<T> {
  const parser = new Parser(filter);
  const predicate = parser.orExpr(accessors);
  parser.skipSpace();
  if (!parser.done()) throw new FilterError(`Invalid filter clause: unexpected '${parser.rest()}'.`);
  return predicate;
}

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  done(): boolean {
    return this.pos >= this.text.length;
  }
  rest(): string {
    return this.text.slice(this.pos, this.pos + 30);
  }
  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }
  private keyword(word: string): boolean {
    this.skipSpace();
    const slice = this.text.slice(this.pos, this.pos + word.length);
    const after = this.text[this.pos + word.length];
    if (slice.toLowerCase() === word && (after === undefined || /[\s(]/.test(after))) {
      this.pos += word.length;
      return true;
    }
    return false;
  }
  private expect(char: string): void {
    this.skipSpace();
    if (this.text[this.pos] !== char) throw new FilterError(`Invalid filter clause: expected '${char}' at '${this.rest()}'.`);
    this.pos++;
  }
  private identifier(): string {
    this.skipSpace();
    const match = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*/.exec(this.text.slice(this.pos));
    if (!match) throw new FilterError(`Invalid filter clause: expected a property at '${this.rest()}'.`);
    this.pos += match[0].length;
    return match[0];
  }
  private literal(): string {
    this.skipSpace();
    if (this.text[this.pos] !== "'") throw new FilterError(`Invalid filter clause: expected a string literal at '${this.rest()}'.`);
    this.pos++;
    let out = '';
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined) throw new FilterError('Invalid filter clause: unterminated string literal.');
      this.pos++;
      if (ch === "'") {
        if (this.text[this.pos] === "'") {
          out += "'";
          this.pos++;
          continue;
        }
        return out;
      }
      out += ch;
    }
  }

  orExpr<T>(a: FilterAccessors<T>): Predicate<T> {
    const parts = [this.andExpr(a)];
    while (this.keyword('or')) parts.push(this.andExpr(a));
    return parts.length === 1 ? parts[0]! : (item) => parts.some((p) => p(item));
  }

  private andExpr<T>(a: FilterAccessors<T>): Predicate<T> {
    const parts = [this.term(a)];
    while (this.keyword('and')) parts.push(this.term(a));
    return parts.length === 1 ? parts[0]! : (item) => parts.every((p) => p(item));
  }

  private term<T>(a: FilterAccessors<T>): Predicate<T> {
    this.skipSpace();
    if (this.text[this.pos] === '(') {
      this.pos++;
      const inner = this.orExpr(a);
      this.expect(')');
      return inner;
    }
    const name = this.identifier();
    if (name.endsWith('/any')) {
      const collection = name.slice(0, -4);
      this.expect('(');
      this.skipSpace();
      const variable = this.identifier();
      this.expect(':');
      const inner = this.lambdaBody(variable);
      this.expect(')');
      return (item) => (a.collection(item, collection) ?? []).some((element) => inner(element));
    }
    if (!this.keyword('eq')) throw new FilterError(`Invalid filter clause: only 'eq' is supported on ${name}.`);
    const value = this.literal();
    return (item) => (a.property(item, name) ?? '').toLowerCase() === value.toLowerCase();
  }

  /** `x eq '...'` or `ep/id eq '...' and ep/value eq '...'` inside any(...). */
  private lambdaBody(variable: string): (element: string | { id: string; value: string }) => boolean {
    const clauses: Array<(element: string | { id: string; value: string }) => boolean> = [];
    do {
      const name = this.identifier();
      if (!this.keyword('eq')) throw new FilterError(`Invalid filter clause: only 'eq' is supported inside any().`);
      const value = this.literal();
      if (name === variable) {
        clauses.push((e) => typeof e === 'string' && e.toLowerCase() === value.toLowerCase());
      } else if (name === `${variable}/id`) {
        clauses.push((e) => typeof e === 'object' && sameExtendedId(e.id, value));
      } else if (name === `${variable}/value`) {
        clauses.push((e) => typeof e === 'object' && e.value.toLowerCase() === value.toLowerCase());
      } else {
        throw new FilterError(`Invalid filter clause: unknown lambda property ${name}.`);
      }
    } while (this.keyword('and'));
    return (element) => clauses.every((c) => c(element));
  }
}

/** Type and tag are case-insensitive, the GUID too, but a property *name* is compared exactly. */
export function sameExtendedId(a: string, b: string): boolean {
  const named = /^(\w+) \{([0-9a-fA-F-]{36})\} (?:name) (.+)$/i;
  const ma = named.exec(a.trim());
  const mb = named.exec(b.trim());
  if (ma && mb) return ma[1]!.toLowerCase() === mb[1]!.toLowerCase() && ma[2]!.toLowerCase() === mb[2]!.toLowerCase() && ma[3] === mb[3];
  if (ma || mb) return false;
  const tagged = /^(\w+) 0x([0-9a-fA-F]{1,4})$/;
  const ta = tagged.exec(a.trim());
  const tb = tagged.exec(b.trim());
  if (ta && tb) return ta[1]!.toLowerCase() === tb[1]!.toLowerCase() && parseInt(ta[2]!, 16) === parseInt(tb[2]!, 16);
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
