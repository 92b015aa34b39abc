import { z } from 'zod';

/**
 * Declarative NocoDB tables: each column is its NocoDB UI type plus the zod schema of its
 * value, so provisioning (nocodb/provision.ts), TypeScript row types and the validation of
 * webhook rows all come from one definition.
 */
export type Uidt =
  | 'SingleLineText' | 'LongText' | 'Email' | 'PhoneNumber' | 'URL' | 'Number' | 'Decimal'
  | 'Checkbox' | 'SingleSelect' | 'MultiSelect' | 'Date' | 'DateTime' | 'JSON'
  | 'Attachment' | 'CreatedBy' | 'LastModifiedBy';

export interface ColumnSpec<S extends z.ZodType = z.ZodType> {
  uidt: Uidt;
  schema: S;
  options?: readonly string[];
  description?: string;
  /** Decimal columns: the digits after the point NocoDB shows (its own default is one: 0.005 shows as 0.0). */
  precision?: number;
}

const spec = <S extends z.ZodType>(uidt: Uidt, schema: S, extra: Pick<ColumnSpec, 'options' | 'description' | 'precision'> = {}): ColumnSpec<S> =>
  ({ uidt, schema, ...extra });

/** A cell NocoDB may send as JSON text (an Attachment in some payloads): its value, or the text when it is not JSON. */
export function jsonCell(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  if (v.trim() === '') return null;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** One file of an Attachment cell (nocodb 0.301: local storage gives path and signedPath, S3 url and signedUrl). */
export const nocodbFile = z.looseObject({
  id: z.string().nullish(), title: z.string().nullish(), mimetype: z.string().nullish(), size: z.number().nullish(),
  path: z.string().nullish(), signedPath: z.string().nullish(), url: z.string().nullish(), signedUrl: z.string().nullish(),
});
export type NocodbFile = z.infer<typeof nocodbFile>;
/** A NocoDB user as CreatedBy / LastModifiedBy cells carry them. */
export const nocodbUser = z.looseObject({ id: z.string().nullish(), email: z.string().nullish(), display_name: z.string().nullish() });

export const col = {
  text: (description?: string) => spec('SingleLineText', z.string(), { description }),
  longText: (description?: string) => spec('LongText', z.string(), { description }),
  email: (description?: string) => spec('Email', z.string(), { description }),
  phone: (description?: string) => spec('PhoneNumber', z.string(), { description }),
  url: (description?: string) => spec('URL', z.string(), { description }),
  int: (description?: string) => spec('Number', z.coerce.number().int(), { description }),
  decimal: (description?: string, precision = 2) => spec('Decimal', z.coerce.number(), { description, precision }),
  bool: (description?: string) => spec('Checkbox', z.coerce.boolean(), { description }),
  date: (description?: string) => spec('Date', z.string(), { description }),
  dateTime: (description?: string) => spec('DateTime', z.string(), { description }),
  json: (description?: string) => spec('JSON', z.unknown(), { description }),
  /** Files uploaded in the grid: NocoDB's list of {path or url, signedPath or signedUrl, title, mimetype, size}. */
  attachment: (description?: string) => spec('Attachment', z.preprocess(jsonCell, z.array(nocodbFile)), { description }),
  /** Who made the row, or last changed it, as NocoDB keeps it (read-only, NocoDB fills it). */
  createdBy: (description?: string) => spec('CreatedBy', nocodbUser, { description }),
  lastModifiedBy: (description?: string) => spec('LastModifiedBy', nocodbUser, { description }),
  select: <const O extends readonly [string, ...string[]]>(options: O, description?: string) =>
    spec('SingleSelect', z.enum(options), { options, description }),
  multiSelect: <const O extends readonly [string, ...string[]]>(options: O, description?: string) =>
    spec('MultiSelect', z.string(), { options, description }),
};

/** hm: this table has many of `to` (NocoDB adds the belongs-to side there); mm: many to many. */
export interface LinkSpec {
  title: string;
  to: string;
  type: 'hm' | 'mm';
}

/**
 * How a table reads to staff in Russian (NOCODB_LANGUAGE=ru, the default): its title and
 * description, each column's title and description, the labels of its choices, and the
 * titles of its links. The keys stay English: they are the NocoDB column names (the PostgreSQL
 * columns) and what the code uses; nocodb/names.ts translates between the two.
 */
export interface TableTexts<C = Record<string, ColumnSpec>> {
  title: string;
  description: string;
  /** Each declared column: [title, description]. */
  columns: { [K in keyof C as string extends K ? never : K]: readonly [string, string] };
  /** The label staff see for each value of a choice column (value -> label); a value not listed shows as it is. */
  options?: { [K in keyof C as string extends K ? never : K]?: Record<string, string> };
  /** Each declared link (by its title in `links`): [title, description]. */
  links?: Record<string, readonly [string, string]>;
  /**
   * What the other side of a declared link calls this table (by the link's title), e.g. an
   * answer's link to its exercise reads "Упражнение"; default: this table's title.
   */
  backLinks?: Record<string, string>;
}

/**
 * A read-only column NocoDB fills from a link (its Lookup): the linked rows' `column`, so a
 * group shows its members by name where the link itself shows only their count.
 */
export interface LookupSpec {
  key: string;
  /** The link (by its key: a declared link's title, or the declaring table's title for the other side). */
  link: string;
  /** The column of the linked table shown. */
  column: string;
  description: string;
  /** [title, description] in Russian. */
  ru: readonly [string, string];
}

export type HookOperation = 'insert' | 'update' | 'delete';

export interface TableSpec<C extends Record<string, ColumnSpec> = Record<string, ColumnSpec>> {
  /** Stable key, used in topics (`nocodb.<key>.<operation>`) and as the table name. */
  key: string;
  title: string;
  description: string;
  columns: C;
  links?: LinkSpec[];
  /** Operations whose webhooks reach the inbox; also swept by UpdatedAt. */
  hooks?: HookOperation[];
  /** The column that titles a row in the grid and in links (NocoDB's display value); default: its first. */
  display?: string;
  /** Columns NocoDB fills from links (read-only), e.g. the names of a group's members. */
  lookups?: LookupSpec[];
  /** The table in Russian (see TableTexts). */
  ru?: TableTexts<C>;
}

/** The names of a table's declared columns (without the index signature of DefinedTable). */
export type ColumnName<T extends { columns: object }> = keyof { [K in keyof T['columns'] as string extends K ? never : K]: unknown };

/** Each declared column of a table as NocoDB sends it: its value, or null when the cell is empty. */
export type ColumnShape<C> = {
  [K in keyof C as string extends K ? never : K]: C[K] extends ColumnSpec ? z.ZodOptional<z.ZodNullable<C[K]['schema']>> : never;
};

export function columnShape<C extends Record<string, ColumnSpec>>(columns: C): ColumnShape<C> {
  return Object.fromEntries(Object.entries(columns).map(([k, c]) => [k, c.schema.nullish()])) as ColumnShape<C>;
}

export function defineTable<C extends Record<string, ColumnSpec>>(table: TableSpec<C>): TableSpec<C> & DefinedTable {
  const row = z.looseObject({
    Id: z.coerce.number().int(),
    CreatedAt: z.string().nullish(),
    UpdatedAt: z.string().nullish(),
    ...columnShape(table.columns),
  });
  return { ...table, row: row as unknown as DefinedTable['row'] };
}

/** A table as the provisioning and the hooks see it, whatever its columns. */
export interface DefinedTable extends TableSpec {
  row: z.ZodType<{ Id: number; UpdatedAt?: string | null; [column: string]: unknown }>;
}
