/**
 * A small path router: a route is a method and a path of literal segments and `{params}`. Hand
 * written rather than taken from a framework because the emulator must answer exactly as Graph
 * does in the order Graph does (a missing resource before a wrong method), which a framework's
 * own 404/405 handling would decide for it.
 */
export type Params = Readonly<Record<string, string>>;

export interface Route<C> {
  method: string;
  path: string;
  handle(call: C): Promise<void> | void;
  /** The answer to another method on this path (default: the caller's). */
  wrongMethod?: (method: string) => Error;
}

export interface Match<C> {
  params: Params;
  /** The routes of the path that matched, one per method. */
  routes: Route<C>[];
}

interface Compiled<C> {
  route: Route<C>;
  segments: string[];
  literals: number;
}

export class Router<C> {
  private readonly compiled: Compiled<C>[];

  constructor(routes: Route<C>[]) {
    this.compiled = routes.map((route) => {
      const segments = route.path.split('/');
      return { route, segments, literals: segments.filter((s) => !isParam(s)).length };
    });
  }

  /** The routes whose path fits `parts`; a literal segment wins over a parameter (`attachments/createUploadSession` over `attachments/{id}`). */
  match(parts: readonly string[]): Match<C> | undefined {
    let best: { params: Record<string, string>; literals: number; path: string } | undefined;
    for (const c of this.compiled) {
      const params = fit(c.segments, parts);
      if (params && (!best || c.literals > best.literals)) best = { params, literals: c.literals, path: c.route.path };
    }
    if (!best) return undefined;
    const path = best.path;
    return { params: best.params, routes: this.compiled.filter((c) => c.route.path === path).map((c) => c.route) };
  }
}

function isParam(segment: string): boolean {
  return segment.startsWith('{') && segment.endsWith('}');
}

function fit(segments: string[], parts: readonly string[]): Record<string, string> | undefined {
  if (segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (isParam(segment)) params[segment.slice(1, -1)] = parts[i]!;
    else if (segment !== parts[i]) return undefined;
  }
  return params;
}
