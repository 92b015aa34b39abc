/**
 * The identity schema as Kratos uses it: validates traits (ajv, draft-07) and reads the
 * `ory.sh/kratos` extension to find the password identifiers and the addresses used for
 * verification and recovery.
 */
import { readFileSync } from 'node:fs';
import AjvModule from 'ajv';
import formatsModule from 'ajv-formats';

const Ajv = AjvModule.default;
const addFormats = formatsModule.default;

export interface TraitError {
  /** Trait path in Kratos' form field notation, e.g. `traits.email`; '' for the whole object. */
  field: string;
  /** Missing property name, for Kratos' "Property X is missing." */
  missing?: string;
  message: string;
}

interface KratosExtension {
  credentials?: { password?: { identifier?: boolean } };
  verification?: { via?: string };
  recovery?: { via?: string };
}

/** A leaf trait: its dotted path under `traits` and its schema. */
export interface TraitField {
  path: string[];
  schema: Record<string, unknown>;
}

export interface IdentitySchema {
  id: string;
  raw: Record<string, unknown>;
  validate(traits: unknown): TraitError[];
  passwordIdentifiers(traits: Record<string, unknown>): string[];
  addresses(traits: Record<string, unknown>, purpose: 'verification' | 'recovery'): { value: string; via: string }[];
  fields: TraitField[];
}

export function loadIdentitySchema(file: string, id = 'default'): IdentitySchema {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  // strictSchema off: ajv cannot register `ory.sh/kratos` as a keyword (invalid name), so it ignores it.
  const ajv = new Ajv({ allErrors: true, strictSchema: false });
  addFormats(ajv);
  const check = ajv.compile(raw);
  const traitsSchema = ((raw.properties as Record<string, unknown>)?.traits ?? {}) as Record<string, unknown>;
  const fields = leafFields(traitsSchema, []);

  const valueAt = (traits: Record<string, unknown>, path: string[]): unknown =>
    path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), traits);
  const extension = (f: TraitField) => f.schema['ory.sh/kratos'] as KratosExtension | undefined;

  return {
    id,
    raw,
    fields,
    validate(traits) {
      if (check({ traits })) return [];
      return (check.errors ?? []).map((e) => {
        const path = e.instancePath.split('/').filter(Boolean).slice(1);
        const missing = e.keyword === 'required' ? String((e.params as { missingProperty: string }).missingProperty) : undefined;
        const field = ['traits', ...path, ...(missing ? [missing] : [])].join('.');
        const message = missing ? `Property ${missing} is missing.` : `${field}: ${e.message ?? 'is invalid'}`;
        return { field, message, ...(missing ? { missing } : {}) };
      });
    },
    passwordIdentifiers(traits) {
      return fields
        .filter((f) => extension(f)?.credentials?.password?.identifier)
        .map((f) => valueAt(traits, f.path))
        .filter((v): v is string => typeof v === 'string')
        .map(normalizeIdentifier);
    },
    addresses(traits, purpose) {
      return fields.flatMap((f) => {
        const via = extension(f)?.[purpose]?.via;
        const value = valueAt(traits, f.path);
        return via && typeof value === 'string' ? [{ value: normalizeIdentifier(value), via }] : [];
      });
    },
  };
}

/** Kratos stores e-mail identifiers trimmed and in lower case. */
export const normalizeIdentifier = (value: string) => value.trim().toLowerCase();

function leafFields(schema: Record<string, unknown>, path: string[]): TraitField[] {
  const props = schema.properties as Record<string, Record<string, unknown>> | undefined;
  if (schema.type !== 'object' || !props) return path.length ? [{ path, schema }] : [];
  return Object.entries(props).flatMap(([k, s]) => leafFields(s, [...path, k]));
}
