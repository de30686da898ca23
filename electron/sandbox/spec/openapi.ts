import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ErrorObject } from 'ajv';
import { OpenAPIBackend, type Document, type Operation } from 'openapi-backend';
import swagger2openapi from 'swagger2openapi';
import YAML from 'yaml';

/**
 * Requests and responses checked against an OpenAPI description, for the emulators.
 *
 * openapi-backend (a maintained router + Ajv validator for OpenAPI 3) does the matching and the
 * JSON Schema work: parameters with their types (query strings coerced, as a server framework
 * reads them), required headers and bodies, and response bodies per status. Swagger 2 files are
 * converted first with swagger2openapi, the converter the OpenAPI tooling uses. What
 * openapi-backend does not check is added here from the same description: the status must be one
 * the operation lists, the media types must be the ones it consumes and produces (a server
 * framework answers 415 and 406 otherwise), and a documented body format (`format: byte`, int64).
 */

export interface SpecFile {
  /** YAML file of the description (OpenAPI 3, or Swagger 2, converted on load). */
  file: string;
  /** Where the service serves the description's paths, e.g. `/pod` or `/login`. */
  mount: string;
  /** The only paths of the description the emulator serves (less to compile). */
  paths: readonly string[];
}

export interface BoundOperation {
  spec: string;
  api: OpenAPIBackend;
  operation: Operation;
  /** `METHOD /path` in the description's terms, e.g. `get /v3/users` of pod-api-public.yaml. */
  name: string;
}

export interface RequestInput {
  method: string;
  /** Full path as received, mount included. */
  pathname: string;
  /** The raw query string without `?`. */
  search: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request the description refuses, with the status a real server framework answers. */
export interface RequestRefusal {
  status: 400 | 406 | 415;
  problems: string[];
}

const loaded = new Map<string, Promise<OpenApiContract>>();

export class OpenApiContract {
  private constructor(private readonly apis: { spec: string; mount: string; api: OpenAPIBackend }[]) {}

  /** Loads the descriptions once per process (every emulator of a test file shares them). */
  static load(files: readonly SpecFile[]): Promise<OpenApiContract> {
    const key = JSON.stringify(files);
    let pending = loaded.get(key);
    if (!pending) {
      pending = Promise.all(files.map(async (f) => ({ spec: f.file.split('/').pop()!, mount: f.mount, api: await backend(f) }))).then((apis) => new OpenApiContract(apis));
      loaded.set(key, pending);
    }
    return pending;
  }

  /** The description's operation for a request, if any. */
  bind(method: string, pathname: string): BoundOperation | undefined {
    for (const { spec, mount, api } of this.apis) {
      if (!pathname.startsWith(`${mount}/`)) continue;
      const operation = api.matchOperation({ method: method.toLowerCase(), path: pathname, headers: {} });
      if (operation) return { spec, api, operation, name: `${operation.method} ${operation.path} of ${spec}` };
    }
    return undefined;
  }

  /** Checks a request against its operation: media types first (406, 415), then the schemas (400). */
  checkRequest(bound: BoundOperation, req: RequestInput): RequestRefusal | undefined {
    const { operation } = bound;
    const produced = producedMediaTypes(operation);
    const accept = headerValue(req.headers.accept);
    if (accept !== undefined && produced.length > 0 && !produced.some((type) => acceptable(accept, type))) {
      return { status: 406, problems: [`Accept "${accept}" allows none of what the operation produces (${produced.join(', ')})`] };
    }
    const consumed = Object.keys((operation.requestBody as { content?: Record<string, unknown> } | undefined)?.content ?? {});
    const contentType = mediaType(headerValue(req.headers['content-type']));
    if (req.body.length > 0) {
      if (consumed.length === 0) return { status: 400, problems: ['the operation takes no request body'] };
      if (!contentType || !consumed.includes(contentType)) return { status: 415, problems: [`Content-Type "${headerValue(req.headers['content-type']) ?? ''}" is not what the operation consumes (${consumed.join(', ')})`] };
    }
    if ((operation.requestBody as { required?: boolean } | undefined)?.required && req.body.length === 0) {
      return { status: 400, problems: ['the request body is required'] };
    }
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = v;
    let body: unknown = undefined;
    if (req.body.length > 0) {
      try {
        body = JSON.parse(req.body);
      } catch (error) {
        return { status: 400, problems: [`the request body is not JSON: ${(error as Error).message}`] };
      }
    }
    const result = bound.api.validateRequest({ method: req.method.toLowerCase(), path: req.pathname, query: req.search, headers, body }, operation);
    if (!result.valid) return { status: 400, problems: ajvProblems(result.errors) };
    return undefined;
  }

  /**
   * Checks an answer: a status the operation lists, a media type it produces for that status and a
   * body its schema allows. `body` is the text sent (undefined for none).
   */
  checkResponse(bound: BoundOperation, status: number, contentType: string | undefined, body: string | undefined): string[] {
    const listed = this.listed(bound, status);
    if (typeof listed === 'string') return [listed];
    const content = listed.content ?? {};
    const types = Object.keys(content);
    if (body === undefined || body.length === 0) {
      return status !== 204 && types.some((t) => !!content[t]?.schema) ? [`HTTP ${status} must carry a body (${types.join(', ')})`] : [];
    }
    if (types.length === 0) return [`HTTP ${status} carries no body in the description, but one was sent`];
    const media = mediaType(contentType);
    if (!media || !types.includes(media)) return [`Content-Type "${contentType ?? ''}" is not what the description gives for HTTP ${status} (${types.join(', ')})`];
    const schema = content[media]?.schema as { type?: string; format?: string } | undefined;
    if (!schema) return [];
    if (schema.type === 'string') return schema.format === 'byte' && !BASE64.test(body) ? ['the body is not base64 text (format: byte)'] : [];
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (error) {
      return [`the body is not JSON: ${(error as Error).message}`];
    }
    const result = bound.api.validateResponse(value, bound.operation, status);
    return result.valid ? [] : ajvProblems(result.errors);
  }

  /**
   * Checks the head of a streamed answer (status and media type); the caller checks the text as it
   * goes, with the format this returns (`byte` for the base64 attachment download).
   */
  checkStreamedResponse(bound: BoundOperation, status: number, contentType: string | undefined): { problems: string[]; format?: string } {
    const listed = this.listed(bound, status);
    if (typeof listed === 'string') return { problems: [listed] };
    const media = mediaType(contentType) ?? '';
    const types = Object.keys(listed.content ?? {});
    if (!types.includes(media)) return { problems: [`Content-Type "${contentType ?? ''}" is not what the description gives for HTTP ${status} (${types.join(', ')})`] };
    return { problems: [], format: (listed.content?.[media]?.schema as { format?: string } | undefined)?.format };
  }

  /** The media type the description gives for a status, if it gives one. */
  mediaTypeFor(bound: BoundOperation, status: number): string | undefined {
    const listed = this.listed(bound, status);
    return typeof listed === 'string' ? undefined : Object.keys(listed.content ?? {})[0];
  }

  private listed(bound: BoundOperation, status: number): { content?: Record<string, { schema?: unknown }> } | string {
    const responses = (bound.operation.responses ?? {}) as Record<string, { content?: Record<string, { schema?: unknown }> }>;
    return responses[String(status)] ?? responses.default ?? `HTTP ${status} is not among the statuses the description lists (${Object.keys(responses).join(', ')})`;
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

async function backend(f: SpecFile): Promise<OpenAPIBackend> {
  const document = await prepared(f);
  const api = new OpenAPIBackend({
    definition: document as unknown as Document,
    apiRoot: f.mount,
    // Validators compile on first use: a test file pays only for the operations it calls.
    quick: true,
    coerceTypes: true,
    ajvOpts: { allErrors: true, strict: false },
    customizeAjv: (ajv) => {
      // The formats the descriptions use. Hand-written because ajv-formats is not a declared
      // dependency; int32/int64 are OpenAPI's own and unknown to JSON Schema anyway.
      ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
      ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) && Math.abs(n) <= 2 ** 63 });
      ajv.addFormat('byte', BASE64);
      ajv.addFormat('email', /^[^\s@]+@[^\s@]+$/);
      // The agent's own formats: MessageML is checked by the converter's tests; JSON must parse.
      ajv.addFormat('MessageMLV2', { type: 'string', validate: () => true });
      ajv.addFormat('JSON', { type: 'string', validate: (t: string) => isJson(t) });
      ajv.addFormat('date-time', { type: 'string', validate: (t: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(t) });
      return ajv;
    },
  });
  await api.init();
  return api;
}

/**
 * The description as OpenAPI 3 with only the served paths. Parsing and converting the pod's
 * 380 KB YAML takes about a second, so the result is cached on disk by content.
 */
async function prepared(f: SpecFile): Promise<Record<string, unknown>> {
  const text = fs.readFileSync(f.file, 'utf8');
  // Keyed by the description, what is kept of it and this file (the conversion's code).
  const key = createHash('sha256').update(JSON.stringify([text, f.mount, f.paths, THIS_FILE])).digest('hex').slice(0, 32);
  const cacheFile = path.join(os.tmpdir(), 'symphony-archiver-spec-cache', `${key}.json`);
  try {
    return JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as Record<string, unknown>;
  } catch {
    // Not cached yet (or a torn write): build it.
  }
  // The FINOS files reuse YAML anchors; swagger2openapi refuses shared objects, so copy them apart.
  let document = JSON.parse(JSON.stringify(YAML.parse(text, { maxAliasCount: -1 }))) as Record<string, unknown>;
  if (document.swagger === '2.0') document = (await swagger2openapi.convertObj(document, { patch: true, warnOnly: true })).openapi as Record<string, unknown>;
  const paths = document.paths as Record<string, Record<string, { operationId?: string; responses?: unknown }>>;
  const missing = f.paths.filter((p) => !paths[p]);
  if (missing.length) throw new Error(`${f.file} has no path ${missing.join(', ')}`);
  document.paths = Object.fromEntries(f.paths.map((p) => [p, paths[p]]));
  // The Swagger 2 files have no operationIds; openapi-backend keys its validators by them.
  for (const [p, item] of Object.entries(document.paths as typeof paths)) {
    for (const [method, op] of Object.entries(item)) if (op && typeof op === 'object' && 'responses' in op) op.operationId ??= `${method} ${p}`;
  }
  document.servers = [{ url: f.mount }];
  fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
  const part = `${cacheFile}.${process.pid}.part`;
  fs.writeFileSync(part, JSON.stringify(document));
  fs.renameSync(part, cacheFile);
  return document;
}

const THIS_FILE = fs.readFileSync(new URL(import.meta.url), 'utf8');

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function producedMediaTypes(operation: Operation): string[] {
  const types = new Set<string>();
  for (const response of Object.values((operation.responses ?? {}) as Record<string, { content?: Record<string, unknown> }>)) {
    for (const type of Object.keys(response.content ?? {})) types.add(type);
  }
  return [...types];
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function mediaType(value: string | undefined): string | undefined {
  const type = value?.split(';')[0]?.trim().toLowerCase();
  return type || undefined;
}

/**
 * RFC 9110 §12.5.1: does the Accept header allow `type`? Hand-written (a dozen lines) because the
 * negotiator packages here are only transitive dependencies of other tools.
 */
export function acceptable(accept: string, type: string): boolean {
  const [main, sub] = type.toLowerCase().split('/');
  return accept.split(',').some((range) => {
    const [value = '', ...params] = range.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && Number(q.slice(2)) === 0) return false;
    const [rMain, rSub] = value.split('/');
    return (rMain === '*' && rSub === '*') || (rMain === main && (rSub === '*' || rSub === sub));
  });
}

function ajvProblems(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? e.keyword}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
}
