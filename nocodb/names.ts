import { schoolTables, type DefinedTable } from '../schemas/nocodb/index.ts';

/**
 * What staff read in NocoDB and what the code says are two languages. The code names a
 * table's columns, links and choices by their English keys (schemas/nocodb); NocoDB shows
 * them in the grid language (NOCODB_LANGUAGE, Russian by default) and its row API and
 * webhooks key a row by those shown titles. Every row that crosses into or out of NocoDB
 * passes through here: the column names in PostgreSQL stay the English keys, so a base can
 * be switched between languages by provisioning alone.
 */
export type GridLanguage = 'ru' | 'en';
export const GRID_LANGUAGES = ['ru', 'en'] as const;

type Row = Record<string, unknown>;

export interface ShownName {
  title: string;
  description: string | undefined;
}

/** A link column as NocoDB has it: declared here (`own`), or the side NocoDB adds to the target (`back`). */
export interface LinkName extends ShownName {
  key: string;
  /** The table the link's cells point at. */
  target: string;
  side: 'own' | 'back';
  type: 'hm' | 'mm';
  /** The table that declares the link, and the link's title there. */
  declaredBy: string;
  declaredAs: string;
  /**
   * The word NocoDB writes after a count of linked rows ("2 Люди"); undefined: NocoDB's own,
   * which it makes by English inflection ("Людис"), so only the English base keeps it.
   */
  counted?: string;
}

/** A lookup column (schemas/nocodb LookupSpec) with the title it is shown under. */
export interface LookupName extends ShownName {
  key: string;
  link: string;
  column: string;
}

export interface NocoNames {
  language: GridLanguage;
  table(key: string): ShownName;
  /** The title NocoDB shows for a column or link key (a key it does not know passes unchanged: Id, CreatedAt, people_id). */
  title(tableKey: string, key: string): string;
  column(tableKey: string, key: string): ShownName | undefined;
  links(tableKey: string): LinkName[];
  lookups(tableKey: string): LookupName[];
  /** Value -> label of a choice column, in declaration order (empty for other columns). */
  labels(tableKey: string, key: string): [value: string, label: string][];
  /** A row of ours as NocoDB takes it: titles for keys, labels for choice values. */
  toNoco(tableKey: string, row: Row): Row;
  /** A row as NocoDB gives it (row API, webhooks), in our keys and values; linked records inside are translated too. */
  fromNoco(tableKey: string, row: Row): Row;
  /** NocoDB's `where` ((field,op,value)~and(...)), `fields` (a,b) and `sort` (-a,b) in titles and labels. */
  where(tableKey: string, where: string): string;
  fields(tableKey: string, fields: string): string;
  sort(tableKey: string, sort: string): string;
}

interface TableNames {
  table: ShownName;
  toTitle: Map<string, string>;
  toKey: Map<string, string>;
  columns: Map<string, ShownName>;
  links: LinkName[];
  lookups: LookupName[];
  /** Link key -> the table its cells point at. */
  linkTarget: Map<string, string>;
  toLabel: Map<string, Map<string, string>>;
  toValue: Map<string, Map<string, string>>;
  multi: Set<string>;
}

const MULTI = 'MultiSelect';

export function nocoNames(tables: DefinedTable[], language: GridLanguage): NocoNames {
  const ru = language === 'ru';
  const byKey = new Map<string, TableNames>();
  for (const t of tables) {
    const texts = ru ? t.ru : undefined;
    const names: TableNames = {
      table: { title: texts?.title ?? t.title, description: texts?.description ?? t.description },
      toTitle: new Map(), toKey: new Map(), columns: new Map(), links: [], lookups: [], linkTarget: new Map(),
      toLabel: new Map(), toValue: new Map(), multi: new Set(),
    };
    for (const [key, spec] of Object.entries(t.columns)) {
      const shown = (texts?.columns as Record<string, readonly [string, string]> | undefined)?.[key];
      names.columns.set(key, { title: shown?.[0] ?? key, description: shown?.[1] ?? spec.description });
      if (spec.options) {
        const labels = (texts?.options as Record<string, Record<string, string>> | undefined)?.[key] ?? {};
        names.toLabel.set(key, new Map(spec.options.map((o) => [o, labels[o] ?? o])));
        names.toValue.set(key, new Map(spec.options.map((o) => [labels[o] ?? o, o])));
        if (spec.uidt === MULTI) names.multi.add(key);
      }
    }
    for (const l of t.lookups ?? []) {
      names.lookups.push({ key: l.key, link: l.link, column: l.column, title: ru ? l.ru[0] : l.key, description: ru ? l.ru[1] : l.description });
    }
    byKey.set(t.key, names);
  }
  for (const t of tables) {
    const own = byKey.get(t.key)!;
    const texts = ru ? t.ru : undefined;
    for (const link of t.links ?? []) {
      const shown = texts?.links?.[link.title];
      own.links.push({ key: link.title, title: shown?.[0] ?? link.title, description: shown?.[1], target: link.to, side: 'own', type: link.type, declaredBy: t.key, declaredAs: link.title });
      const other = byKey.get(link.to);
      if (!other) continue;
      // NocoDB titles the other side after the declaring table: that title, in English, is its key.
      const back = ru ? (texts?.backLinks?.[link.title] ?? own.table.title) : t.title;
      other.links.push({ key: t.title, title: back, description: undefined, target: t.key, side: 'back', type: link.type, declaredBy: t.key, declaredAs: link.title });
    }
  }
  for (const names of byKey.values()) {
    if (ru) for (const l of names.links) l.counted = byKey.get(l.target)?.table.title;
    for (const [key, c] of names.columns) names.toTitle.set(key, c.title);
    for (const l of names.lookups) names.toTitle.set(l.key, l.title);
    for (const l of names.links) {
      names.toTitle.set(l.key, l.title);
      names.linkTarget.set(l.key, l.target);
    }
    for (const [key, title] of names.toTitle) names.toKey.set(title, key);
  }

  const of = (key: string): TableNames => {
    const names = byKey.get(key);
    if (!names) throw new Error(`NocoDB table ${key} is not declared in schemas/nocodb`);
    return names;
  };
  const mapChoice = (map: Map<string, string> | undefined, multi: boolean, value: unknown): unknown => {
    if (!map || typeof value !== 'string') return value;
    if (!multi) return map.get(value) ?? value;
    return value.split(',').map((v) => map.get(v) ?? v).join(',');
  };

  const fromNoco = (tableKey: string, row: Row): Row => {
    const t = of(tableKey);
    const out: Row = {};
    for (const [title, value] of Object.entries(row)) {
      const key = t.toKey.get(title) ?? title;
      const target = t.linkTarget.get(key);
      if (target && value && typeof value === 'object') {
        out[key] = Array.isArray(value)
          ? value.map((v) => (v && typeof v === 'object' ? fromNoco(target, v as Row) : v))
          : fromNoco(target, value as Row);
      } else {
        out[key] = mapChoice(t.toValue.get(key), t.multi.has(key), value);
      }
    }
    return out;
  };

  return {
    language,
    table: (key) => of(key).table,
    title: (tableKey, key) => of(tableKey).toTitle.get(key) ?? key,
    column: (tableKey, key) => of(tableKey).columns.get(key),
    links: (tableKey) => of(tableKey).links,
    lookups: (tableKey) => of(tableKey).lookups,
    labels: (tableKey, key) => [...(of(tableKey).toLabel.get(key) ?? new Map<string, string>())],
    toNoco(tableKey, row) {
      const t = of(tableKey);
      const out: Row = {};
      for (const [key, value] of Object.entries(row)) {
        out[t.toTitle.get(key) ?? key] = mapChoice(t.toLabel.get(key), t.multi.has(key), value);
      }
      return out;
    },
    fromNoco,
    where(tableKey, where) {
      const t = of(tableKey);
      // A condition is (field,op) or (field,op,value); a value runs to the closing parenthesis.
      return where.replace(/\(([^,()]+),([^,()]+)(?:,([^()]*))?\)/g, (_all, field: string, op: string, value: string | undefined) => {
        const key = field.trim();
        const title = t.toTitle.get(key) ?? key;
        if (value === undefined) return `(${title},${op})`;
        const labels = t.toLabel.get(key);
        const shown = labels ? value.split(',').map((v) => labels.get(v) ?? v).join(',') : value;
        return `(${title},${op},${shown})`;
      });
    },
    fields(tableKey, fields) {
      const t = of(tableKey);
      return fields.split(',').map((f) => t.toTitle.get(f.trim()) ?? f.trim()).join(',');
    },
    sort(tableKey, sort) {
      const t = of(tableKey);
      return sort.split(',').map((s) => {
        const desc = s.trim().startsWith('-');
        const key = s.trim().replace(/^-/, '');
        return `${desc ? '-' : ''}${t.toTitle.get(key) ?? key}`;
      }).join(',');
    },
  };
}

/** The School base's tables as `language` shows them. */
export function schoolNames(language: GridLanguage): NocoNames {
  return nocoNames(schoolTables, language);
}
