import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { specDir } from '../../spec/spec-files';
import { readCsdl, schemaForAction, schemaForType, type JsonSchema } from './csdl-schema';
import { reportViolation, takeViolations, type ContractViolation } from '../../spec/violations';
import { GraphError } from './graph-error';

/** Microsoft's v1.0 service description beside the project (../shared/specs/graph, see its SOURCE.md; spec-files.ts). */
export const GRAPH_CSDL = path.join(specDir('graph'), 'v1.0-cleanMetadata.xml');

/** The request bodies the archiver sends, by the description's type or action. */
export type GraphBody = 'message' | 'attachment' | 'mailFolder' | 'createUploadSession';

const SOURCES: Record<GraphBody, (model: ReturnType<typeof readCsdl>) => JsonSchema> = {
  // POST …/mailFolders/{id}/messages
  message: (m) => schemaForType(m, 'microsoft.graph.message'),
  // POST …/messages/{id}/attachments: the collection is of the abstract attachment type.
  attachment: (m) => schemaForType(m, 'microsoft.graph.attachment'),
  // POST …/mailFolders/{id}/childFolders
  mailFolder: (m) => schemaForType(m, 'microsoft.graph.mailFolder'),
  // POST …/attachments/createUploadSession, bound to Collection(microsoft.graph.attachment)
  createUploadSession: (m) => schemaForAction(m, 'microsoft.graph.createUploadSession', 'Collection(microsoft.graph.attachment)'),
};

let compiled: Record<GraphBody, ValidateFunction> | undefined;

/** The source of the Graph emulators' violations (one description for all of them in a process). */
const GRAPH_CONTRACT = { service: 'graph' };

/** Takes the request bodies the description refused (for tests that send them on purpose). */
export function takeGraphViolations(): ContractViolation[] {
  return takeViolations(GRAPH_CONTRACT);
}

/**
 * Checks a request body against the description; the refusal as Graph words it (400
 * RequestBodyRead, or UnprocessableType for an abstract type without `@odata.type`). Validators
 * are compiled once per machine: Ajv's standalone code is cached on disk by the description's
 * and the generator's content, and loaded in about a millisecond by every later process.
 */
export function checkBody(kind: GraphBody, body: unknown): GraphError | undefined {
  compiled ??= load();
  const validate = compiled[kind];
  if (validate(body)) return undefined;
  const error = refusal(validate.errors ?? []);
  // Answered 400 as Graph answers, and recorded: a client that sends it has a bug the test must show.
  reportViolation({ service: 'graph', direction: 'request', call: CALLS[kind], operation: `${kind} of v1.0-cleanMetadata.xml`, status: 400, problems: [error.message], source: GRAPH_CONTRACT });
  return error;
}

/**
 * Checks an entity the emulator answers with against the same description: an answer Graph could
 * not give (an invented property, a wrong type) is recorded as the emulator's own violation.
 */
export function checkAnswer<T>(kind: Exclude<GraphBody, 'createUploadSession'>, value: T): T {
  compiled ??= load();
  const validate = compiled[kind];
  if (!validate(value)) {
    reportViolation({ service: 'graph', direction: 'response', call: `an answer with a ${kind}`, operation: `${kind} of v1.0-cleanMetadata.xml`, problems: [refusal(validate.errors ?? []).message], source: GRAPH_CONTRACT });
  }
  return value;
}

const CALLS: Record<GraphBody, string> = {
  message: 'POST …/mailFolders/{id}/messages',
  attachment: 'POST …/messages/{id}/attachments',
  mailFolder: 'POST …/mailFolders/{id}/childFolders',
  createUploadSession: 'POST …/attachments/createUploadSession',
};

function load(): Record<GraphBody, ValidateFunction> {
  const xml = fs.readFileSync(GRAPH_CSDL, 'utf8');
  // The generator's own code is part of the key (its functions' text: works from the sources and from a bundle alike).
  const generator = [readCsdl, schemaForType, schemaForAction, compile, refusal].map(String).join('\n');
  const key = createHash('sha256').update(xml).update(generator).digest('hex').slice(0, 32);
  const cacheFile = path.join(os.tmpdir(), 'symphony-archiver-spec-cache', `graph-validators-${key}.cjs`);
  let code: string;
  try {
    code = fs.readFileSync(cacheFile, 'utf8');
  } catch {
    code = compile(readCsdl(xml));
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    const part = `${cacheFile}.${process.pid}.part`;
    fs.writeFileSync(part, code);
    fs.renameSync(part, cacheFile);
  }
  const module = { exports: {} as Record<GraphBody, ValidateFunction> };
  // The standalone code requires Ajv's runtime helpers; resolve them from here, not from the cache folder.
  new Function('require', 'module', 'exports', code)(createRequire(import.meta.url), module, module.exports);
  return module.exports;
}

/** Derives the schemas and compiles them into one standalone module (its exports: one validator per body). */
function compile(model: ReturnType<typeof readCsdl>): string {
  const schemas = Object.fromEntries(Object.entries(SOURCES).map(([k, make]) => [k, make(model)])) as Record<GraphBody, JsonSchema>;
  const ajv = new Ajv({ allErrors: false, verbose: true, strict: false, code: { source: true } });
  // One document holds every type's schema, so that the four bodies share their compiled types.
  const defs: Record<string, JsonSchema> = {};
  for (const schema of Object.values(schemas)) Object.assign(defs, schema.$defs as Record<string, JsonSchema>);
  ajv.addSchema({ $id: 'graph-v1.0', $defs: defs });
  for (const [kind, schema] of Object.entries(schemas)) {
    const { $defs: _defs, ...root } = schema;
    ajv.addSchema(JSON.parse(JSON.stringify({ ...root, $id: `graph-v1.0-${kind}` }).replace(/"#\/\$defs\//g, '"graph-v1.0#/$defs/')) as JsonSchema);
  }
  return standaloneCode(ajv, Object.fromEntries(Object.keys(schemas).map((k) => [k, `graph-v1.0-${k}`])));
}

/** The most specific of Ajv's errors, worded as Graph words the same refusal. */
function refusal(errors: ErrorObject[]): GraphError {
  const specific = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'if' && !(e.keyword === 'type' && e.params.type === 'null'));
  const e = [...(specific.length ? specific : errors)].sort((a, b) => b.instancePath.length - a.instancePath.length)[0]!;
  const where = e.instancePath ? ` at '${e.instancePath.slice(1).replace(/\//g, '.')}'` : '';
  const owner = (e.parentSchema as { title?: string } | undefined)?.title ?? 'the request body';
  if (e.keyword === 'additionalProperties') {
    return new GraphError(400, 'RequestBodyRead', `The property '${String(e.params.additionalProperty)}' does not exist on type '${owner}'. Make sure to only use property names that are defined by the type or mark the type as open type.`);
  }
  if (e.keyword === 'required' && e.params.missingProperty === '@odata.type') {
    return new GraphError(400, 'UnprocessableType', `Cannot process input of abstract type '${owner}'${where}.`);
  }
  if (e.keyword === 'required') return new GraphError(400, 'RequestBodyRead', `The parameter '${String(e.params.missingProperty)}' of '${owner}' is required${where}.`);
  if (e.keyword === 'enum' && typeof e.data === 'string') return new GraphError(400, 'RequestBodyRead', `Requested value '${e.data}' was not found${where}.`);
  return new GraphError(400, 'RequestBodyRead', `Cannot convert the value${where} to the expected type '${owner}' (${e.message ?? e.keyword}).`);
}
