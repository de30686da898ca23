import { Parser } from 'htmlparser2';

/**
 * A small generator: Microsoft Graph's v1.0 service description (OData CSDL, the file Microsoft
 * generates Graph's OpenAPI description and SDKs from; ../shared/specs/graph) to JSON Schemas
 * for request bodies, so that the emulator refuses what the description does not define instead
 * of a hand-kept list of properties.
 *
 * What it derives, per OData JSON format 4.01 and CSDL 4.0:
 * - a structured type is an object of its own and inherited properties, and of its contained
 *   navigation properties (deep insert: a message's attachments and extended properties); no
 *   other property (see additionalProperties below); `@odata.*` annotations pass;
 * - a property typed with a type that has derived types takes any of them, chosen by
 *   `@odata.type` (`#microsoft.graph.fileAttachment`); an abstract type needs one;
 * - primitives: Edm.String, Boolean, the integer types with their ranges, Double/Single/Decimal,
 *   DateTimeOffset/Date/TimeOfDay/Duration/Guid by their lexical forms, Binary as base64;
 * - enums: a member name, or for IsFlags enums a comma-separated list of them;
 * - `Nullable="false"` forbids null; collections are arrays (their items never null).
 *
 * OpenType is ignored on purpose: the description marks `message` open, but Graph refuses an
 * undeclared property with RequestBodyRead ("The property 'x' does not exist on type
 * 'microsoft.graph.message'", see docs/decisions/graph-import.md), so the emulator does too.
 */

export interface CsdlProperty {
  name: string;
  /** Qualified, e.g. `Edm.String`, `microsoft.graph.recipient`, `Collection(microsoft.graph.recipient)`. */
  type: string;
  nullable: boolean;
  navigation: boolean;
  containsTarget: boolean;
}

export interface CsdlType {
  kind: 'entity' | 'complex' | 'enum';
  name: string;
  baseType?: string;
  abstract: boolean;
  properties: CsdlProperty[];
  members: string[];
  isFlags: boolean;
}

export interface CsdlAction {
  name: string;
  /** Parameters after the binding parameter. */
  bindingType: string;
  parameters: CsdlProperty[];
}

export interface CsdlModel {
  types: Map<string, CsdlType>;
  actions: CsdlAction[];
  /** Derived types by base type, transitively. */
  derived: Map<string, string[]>;
}

/** Reads the structured and enum types and the bound actions of a CSDL document. */
export function readCsdl(xml: string): CsdlModel {
  const types = new Map<string, CsdlType>();
  const actions: CsdlAction[] = [];
  let namespace = '';
  const aliases = new Map<string, string>();
  let current: CsdlType | undefined;
  let action: (CsdlAction & { first: boolean }) | undefined;
  const qualify = (type: string): string => {
    const collection = /^Collection\((.*)\)$/.exec(type);
    if (collection) return `Collection(${qualify(collection[1]!)})`;
    const dot = type.lastIndexOf('.');
    const ns = type.slice(0, dot);
    return aliases.has(ns) ? `${aliases.get(ns)}.${type.slice(dot + 1)}` : type;
  };
  const parser = new Parser(
    {
      onopentag(tag, attrs) {
        if (tag === 'Schema') {
          namespace = attrs.Namespace ?? '';
          if (attrs.Alias) aliases.set(attrs.Alias, namespace);
        } else if (tag === 'EntityType' || tag === 'ComplexType' || tag === 'EnumType') {
          current = {
            kind: tag === 'EntityType' ? 'entity' : tag === 'ComplexType' ? 'complex' : 'enum',
            name: `${namespace}.${attrs.Name}`,
            baseType: attrs.BaseType,
            abstract: attrs.Abstract === 'true',
            properties: [],
            members: [],
            isFlags: attrs.IsFlags === 'true',
          };
          types.set(current.name, current);
        } else if (current && (tag === 'Property' || tag === 'NavigationProperty')) {
          current.properties.push({ name: attrs.Name!, type: attrs.Type!, nullable: attrs.Nullable !== 'false', navigation: tag === 'NavigationProperty', containsTarget: attrs.ContainsTarget === 'true' });
        } else if (current && tag === 'Member') {
          current.members.push(attrs.Name!);
        } else if (tag === 'Action' && attrs.IsBound === 'true') {
          action = { name: `${namespace}.${attrs.Name}`, bindingType: '', parameters: [], first: true };
        } else if (action && tag === 'Parameter') {
          if (action.first) action.bindingType = attrs.Type!;
          else action.parameters.push({ name: attrs.Name!, type: attrs.Type!, nullable: attrs.Nullable !== 'false', navigation: false, containsTarget: false });
          action.first = false;
        }
      },
      onclosetag(tag) {
        if (tag === 'EntityType' || tag === 'ComplexType' || tag === 'EnumType') current = undefined;
        if (tag === 'Action' && action) {
          const { first: _first, ...done } = action;
          actions.push(done);
          action = undefined;
        }
      },
    },
    { xmlMode: true },
  );
  parser.write(xml);
  parser.end();
  // Aliases are known once their Schema element was read; qualify everything afterwards.
  for (const t of types.values()) {
    if (t.baseType) t.baseType = qualify(t.baseType);
    for (const p of t.properties) p.type = qualify(p.type);
  }
  for (const a of actions) {
    a.bindingType = qualify(a.bindingType);
    for (const p of a.parameters) p.type = qualify(p.type);
  }
  const derived = new Map<string, string[]>();
  for (const t of types.values()) {
    for (let base = t.baseType; base; base = types.get(base)?.baseType) {
      const list = derived.get(base) ?? [];
      list.push(t.name);
      derived.set(base, list);
    }
  }
  return { types, actions, derived };
}

export type JsonSchema = Record<string, unknown>;

/** A JSON Schema document (draft 2020-12 subset Ajv knows) for one type, with `$defs` for every type it reaches. */
export function schemaForType(model: CsdlModel, typeName: string): JsonSchema {
  const defs: Record<string, JsonSchema> = {};
  const root = typeRef(model, typeName, defs);
  return { ...root, $defs: defs };
}

/** The body of a bound action: its parameters (after the binding one) as an object. */
export function schemaForAction(model: CsdlModel, actionName: string, bindingType: string): JsonSchema {
  const action = model.actions.find((a) => a.name === actionName && a.bindingType === bindingType);
  if (!action) throw new Error(`${actionName} bound to ${bindingType} is not in the description`);
  const defs: Record<string, JsonSchema> = {};
  const properties: Record<string, JsonSchema> = {};
  for (const p of action.parameters) properties[p.name] = propertySchema(model, p, defs);
  return {
    type: 'object',
    title: actionName,
    properties,
    patternProperties: { '^@odata\\.': {} },
    additionalProperties: false,
    required: action.parameters.filter((p) => !p.nullable).map((p) => p.name),
    $defs: defs,
  };
}

function propertySchema(model: CsdlModel, p: CsdlProperty, defs: Record<string, JsonSchema>): JsonSchema {
  const collection = /^Collection\((.*)\)$/.exec(p.type);
  if (collection) return { type: 'array', items: typeRef(model, collection[1]!, defs) };
  const single = typeRef(model, p.type, defs);
  return p.nullable ? { anyOf: [{ type: 'null' }, single] } : single;
}

/** A reference to a type: a primitive inline, a structured or enum type through `$defs`. */
function typeRef(model: CsdlModel, typeName: string, defs: Record<string, JsonSchema>): JsonSchema {
  if (typeName.startsWith('Edm.')) return primitive(typeName);
  const type = model.types.get(typeName);
  if (!type) throw new Error(`type ${typeName} is not in the description`);
  if (type.kind === 'enum') {
    defs[typeName] ??= enumSchema(type);
    return { $ref: `#/$defs/${typeName}` };
  }
  const candidates = [typeName, ...(model.derived.get(typeName) ?? [])].filter((n) => !model.types.get(n)!.abstract);
  if (!type.abstract && candidates.length === 1) {
    ensure(model, defs, typeName);
    return { $ref: `#/$defs/${typeName}` };
  }
  // Polymorphic: `@odata.type` picks the type; without it only the declared type (if concrete) fits.
  const key = `${typeName}~derived`;
  if (!(key in defs)) {
    defs[key] = {};
    for (const n of candidates) ensure(model, defs, n);
    const branches = candidates.map((n) => ({ if: { required: ['@odata.type'], properties: { '@odata.type': { const: `#${n}` } } }, then: { $ref: `#/$defs/${n}` } }));
    if (!type.abstract) branches.push({ if: { not: { required: ['@odata.type'] } } as never, then: { $ref: `#/$defs/${typeName}` } });
    defs[key] = {
      type: 'object',
      title: typeName,
      properties: { '@odata.type': { enum: candidates.map((n) => `#${n}`) } },
      required: type.abstract ? ['@odata.type'] : [],
      allOf: branches,
    };
  }
  return { $ref: `#/$defs/${key}` };
}

/** Adds the object schema of a structured type to `$defs`, once (recursive types refer back to it). */
function ensure(model: CsdlModel, defs: Record<string, JsonSchema>, typeName: string): void {
  if (typeName in defs) return;
  defs[typeName] = {};
  const chain: CsdlType[] = [];
  for (let t = model.types.get(typeName); t; t = t.baseType ? model.types.get(t.baseType) : undefined) chain.unshift(t);
  const properties: Record<string, JsonSchema> = {};
  for (const t of chain) {
    for (const p of t.properties) {
      if ((p.navigation && !p.containsTarget) || p.type === 'Edm.Stream') continue;
      properties[p.name] = { ...propertySchema(model, p, defs), description: `${p.type} ${p.name} of ${typeName}` };
    }
  }
  defs[typeName] = { type: 'object', title: typeName, properties, patternProperties: { '^@odata\\.': {} }, additionalProperties: false };
}

function enumSchema(type: CsdlType): JsonSchema {
  const names = type.members;
  if (!type.isFlags) return { type: 'string', enum: names, title: type.name };
  const one = names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  return { type: 'string', pattern: `^(${one})(\\s*,\\s*(${one}))*$`, title: type.name };
}

const INTEGER_RANGES: Record<string, [number, number]> = {
  'Edm.Byte': [0, 255],
  'Edm.SByte': [-128, 127],
  'Edm.Int16': [-32768, 32767],
  'Edm.Int32': [-(2 ** 31), 2 ** 31 - 1],
  'Edm.Int64': [-(2 ** 63), 2 ** 63 - 1],
};

/** OData JSON format §7.1: how each primitive is written in JSON. */
function primitive(type: string): JsonSchema {
  const range = INTEGER_RANGES[type];
  if (range) return { type: 'integer', minimum: range[0], maximum: range[1], title: type };
  switch (type) {
    case 'Edm.String':
      return { type: 'string', title: type };
    case 'Edm.Boolean':
      return { type: 'boolean', title: type };
    case 'Edm.Double':
    case 'Edm.Single':
    case 'Edm.Decimal':
      return { type: 'number', title: type };
    case 'Edm.DateTimeOffset':
      return { type: 'string', pattern: '^-?\\d{4,}-\\d\\d-\\d\\dT\\d\\d:\\d\\d(:\\d\\d(\\.\\d+)?)?(Z|[+-]\\d\\d:\\d\\d)$', title: type };
    case 'Edm.Date':
      return { type: 'string', pattern: '^-?\\d{4,}-\\d\\d-\\d\\d$', title: type };
    case 'Edm.TimeOfDay':
      return { type: 'string', pattern: '^\\d\\d:\\d\\d(:\\d\\d(\\.\\d+)?)?$', title: type };
    case 'Edm.Duration':
      return { type: 'string', pattern: '^-?P(\\d+D)?(T(\\d+H)?(\\d+M)?(\\d+(\\.\\d+)?S)?)?$', title: type };
    case 'Edm.Guid':
      return { type: 'string', pattern: '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$', title: type };
    case 'Edm.Binary':
      // base64url in OData JSON; Graph also takes the standard alphabet (contentBytes).
      return { type: 'string', pattern: '^[A-Za-z0-9+/_-]*={0,2}$', title: type };
    default:
      return { title: type };
  }
}
