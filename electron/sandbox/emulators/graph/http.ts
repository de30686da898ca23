import type http from 'node:http';
import { GraphError } from './graph-error';

/** Reading request bodies and writing JSON answers, as every Graph route does. */

export const JSON_TYPE = 'application/json';

/** The media type of a request, without its parameters, in lower case. */
export function mediaType(req: http.IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

export function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': `${JSON_TYPE}; charset=utf-8`, 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The whole body, refused with 413 once it passes `max` (`onTooLarge` counts the refusal). */
export async function readBody(req: http.IncomingMessage, max: number, onTooLarge?: () => void): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) {
      onTooLarge?.();
      throw new GraphError(413, 'RequestBodyTooLarge', `The request body exceeds the maximum of ${max} bytes.`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: http.IncomingMessage, max: number): Promise<unknown> {
  if (mediaType(req) !== JSON_TYPE) throw new GraphError(415, 'UnsupportedMediaType', 'Content-Type must be application/json.');
  const text = (await readBody(req, max)).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new GraphError(400, 'RequestBodyRead', 'The request body is not valid JSON.');
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A body that must be one JSON object (PATCH); a wrong media type is refused without reading it. */
export async function readJsonObject(req: http.IncomingMessage, max: number): Promise<Record<string, unknown>> {
  if (mediaType(req) !== JSON_TYPE) {
    req.resume();
    throw new GraphError(415, 'UnsupportedMediaType', 'Content-Type must be application/json.');
  }
  const text = (await readBody(req, max)).toString('utf8');
  try {
    const value = JSON.parse(text) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new GraphError(400, 'RequestBodyRead', 'The request body is not a JSON object.');
  }
}
