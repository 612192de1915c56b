import { randomUUID } from 'node:crypto';

/** The parts of an OpenAPI 3.1 document (JSON Schema 2020-12) the request tests read. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  minItems?: number;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

export interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  schema: JsonSchema;
}

export interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body: JsonSchema | undefined;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: JsonSchema }> } }>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export function operationsOf(doc: OpenApiDocument): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      parameters: op.parameters ?? [],
      body: op.requestBody?.content['application/json']?.schema,
    })),
  );
}

export function resolver(doc: OpenApiDocument) {
  return (schema: JsonSchema): JsonSchema => {
    if (schema.$ref === undefined) return schema;
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = doc.components?.schemas?.[name];
    if (target === undefined) throw new Error(`unresolved ${schema.$ref}`);
    return target;
  };
}

const alternatives = (schema: JsonSchema) => [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])];
const isType = (schema: JsonSchema, type: string) => schema.type === type || (Array.isArray(schema.type) && schema.type.includes(type));

/** Every string schema a value can take at this place, through unions. */
export function stringSchemas(schema: JsonSchema, resolve: (s: JsonSchema) => JsonSchema): JsonSchema[] {
  const s = resolve(schema);
  return [...(isType(s, 'string') ? [s] : []), ...alternatives(s).flatMap((a) => stringSchemas(a, resolve))];
}

/** Paths (object keys, array index 0) to every place in a body where a string may go. */
export function stringPaths(
  schema: JsonSchema,
  resolve: (s: JsonSchema) => JsonSchema,
  at: (string | number)[] = [],
): { path: (string | number)[]; schema: JsonSchema }[] {
  const s = resolve(schema);
  const here = stringSchemas(s, resolve).map((found) => ({ path: at, schema: found }));
  const nested = [s, ...alternatives(s).map(resolve)].flatMap((part) => [
    ...Object.entries(part.properties ?? {}).flatMap(([key, child]) => stringPaths(child, resolve, [...at, key])),
    ...(part.items === undefined ? [] : stringPaths(part.items, resolve, [...at, 0])),
  ]);
  return [...here.slice(0, 1), ...nested];
}

export interface SampleHints {
  /** Real ids for uuid fields, by property name (accountId, transactionId, ...). */
  ids: Record<string, string>;
}

const MONEY_FIELD = /amount|balance|payment|extra|cap|rate/i;

/**
 * A plausible value for a schema, every optional property included: the fuzz then swaps one
 * string at a time, so the rest of the request passes validation and reaches the rules and SQL.
 */
export function sample(schema: JsonSchema, resolve: (s: JsonSchema) => JsonSchema, hints: SampleHints, name = ''): unknown {
  const s = resolve(schema);
  if (s.const !== undefined) return s.const;
  // An expense goes with the sample category (groceries); an income would be refused with it.
  if (s.enum !== undefined) return name === 'type' && s.enum.includes('expense') ? 'expense' : s.enum[0];
  const options = alternatives(s)
    .map(resolve)
    .filter((a) => !isType(a, 'null'));
  if (options.length > 0) {
    // A money field takes a number or a decimal string: a number is valid in every currency.
    const preferred = options.find((a) => isType(a, 'number') || isType(a, 'integer')) ?? options[0];
    return preferred === undefined ? null : sample(preferred, resolve, hints, name);
  }
  if (isType(s, 'object')) {
    return Object.fromEntries(Object.entries(s.properties ?? {}).map(([key, child]) => [key, sample(child, resolve, hints, key)]));
  }
  if (isType(s, 'array'))
    return s.items === undefined ? [] : Array.from({ length: Math.max(1, s.minItems ?? 1) }, () => sample(s.items ?? {}, resolve, hints, name));
  if (isType(s, 'integer') || isType(s, 'number')) return Math.max(1, s.minimum ?? 1);
  if (isType(s, 'boolean')) return false;
  if (isType(s, 'string')) return sampleString(s, hints, name);
  return null;
}

function sampleString(s: JsonSchema, hints: SampleHints, name: string): string {
  if (s.format === 'uuid') return hints.ids[name] ?? randomUUID();
  if (s.format === 'email') return `fuzz-${randomUUID()}@example.com`;
  // A past day suits most dates (a debt's start, a payment) and the future only a deadline.
  if (s.format === 'date') return /deadline|until|end/i.test(name) ? '2030-01-01' : '2026-01-15';
  if (s.format === 'date-time') return new Date().toISOString();
  if (s.format === 'password') return 'not the password, surely';
  if (s.pattern === '^\\d{6}$') return '000000';
  if (s.pattern === '^[A-Z]{3}$') return 'USD';
  if (s.pattern === '^[A-Z]{2}$') return 'US';
  if (s.pattern?.startsWith('^[a-z0-9]+') === true) return `fuzz-${randomUUID().slice(0, 8)}`;
  // Texts checked by a rule the document cannot show (a pipe or a refinement): a value it accepts.
  if (name === 'email') return `fuzz-${randomUUID()}@example.com`;
  if (name === 'code') return '000000';
  if (name === 'timeZone') return 'UTC';
  if (name === 'dateFormat') return 'YYYY-MM-DD';
  if (name === 'encoding') return 'utf-8';
  if (name === 'country') return 'US';
  if (name === 'url') return 'http://127.0.0.1:9/fuzz';
  if (name === 'category') return 'groceries';
  if (MONEY_FIELD.test(name)) return '1.00';
  return 'fuzz';
}
