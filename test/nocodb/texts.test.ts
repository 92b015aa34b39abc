import { expect } from 'chai';
import { schoolTables, type DefinedTable } from '../../schemas/nocodb/index.ts';

/**
 * The Russian texts of every NocoDB table (TableTexts in schemas/nocodb/define.ts): pure, no
 * servers. Staff read the base in Russian, so every column, link and word-valued choice has
 * its Russian words, and no two titles a table shows are the same.
 */

/** Choice columns whose values are codes people read as they are, so they carry no labels. */
const CODE_COLUMNS: Record<string, string> = {
  'guides.Language': 'language code: ru / en',
  'people.Locale': 'language code: ru / en',
  'post_templates.Language': 'language code: ru / en',
  'contacts.Jurisdiction': 'jurisdiction code: ru / world',
  'plans.Jurisdiction': 'jurisdiction code: ru / world',
  'plans.Currency': 'currency codes: RUB / USD / EUR / XTR',
};

const nonEmpty = (s: unknown): boolean => typeof s === 'string' && s.trim() !== '';

/** What the other side of each link pointing to `key` is called there: the source's backLinks entry, else its Russian title. */
function backTitles(tables: DefinedTable[], key: string): { from: string; link: string; title: string | undefined }[] {
  return tables.flatMap((source) => (source.links ?? [])
    .filter((l) => l.to === key)
    .map((l) => ({ from: source.key, link: l.title, title: source.ru?.backLinks?.[l.title] ?? source.ru?.title })));
}

/** Every Russian title a table shows, with where it comes from. */
function shownTitles(tables: DefinedTable[], t: DefinedTable): { where: string; title: string | undefined }[] {
  const ru = t.ru;
  return [
    ...Object.keys(t.columns).map((c) => ({ where: `column ${c}`, title: (ru?.columns as Record<string, readonly [string, string]> | undefined)?.[c]?.[0] })),
    ...(t.links ?? []).map((l) => ({ where: `link ${l.title}`, title: ru?.links?.[l.title]?.[0] })),
    ...backTitles(tables, t.key).map((b) => ({ where: `back link of ${b.from}.${b.link}`, title: b.title })),
  ];
}

/** The duplicated titles of a list (case and spacing ignored), with where each comes from. */
function duplicates(items: { where: string; title: string | undefined }[]): string[] {
  const seen = new Map<string, string[]>();
  for (const { where, title } of items) {
    const norm = (title ?? '').trim().toLowerCase();
    seen.set(norm, [...(seen.get(norm) ?? []), where]);
  }
  return [...seen].filter(([, wheres]) => wheres.length > 1).map(([title, wheres]) => `"${title}": ${wheres.join(', ')}`);
}

type Texts = readonly [string, string] | undefined;

/** Tables without a Russian title or description. */
function tableProblems(tables: DefinedTable[]): string[] {
  return tables.filter((t) => !t.ru || !nonEmpty(t.ru.title) || !nonEmpty(t.ru.description)).map((t) => t.key);
}

/** Declared columns without a Russian title and description, and texts of columns not declared. */
function columnProblems(tables: DefinedTable[]): string[] {
  const problems: string[] = [];
  for (const t of tables) {
    const columns = (t.ru?.columns ?? {}) as Record<string, Texts>;
    for (const c of Object.keys(t.columns)) {
      const texts = columns[c];
      if (!texts || !nonEmpty(texts[0]) || !nonEmpty(texts[1])) problems.push(`${t.key}.${c}`);
    }
    for (const c of Object.keys(columns)) if (!(c in t.columns)) problems.push(`${t.key}.${c} (not a column)`);
  }
  return problems;
}

/** Declared links without a Russian title and description; texts and back links of links not declared. */
function linkProblems(tables: DefinedTable[]): string[] {
  const problems: string[] = [];
  for (const t of tables) {
    const declared = new Set((t.links ?? []).map((l) => l.title));
    for (const l of declared) {
      const texts = t.ru?.links?.[l];
      if (!texts || !nonEmpty(texts[0]) || !nonEmpty(texts[1])) problems.push(`${t.key} link ${l}`);
    }
    for (const l of Object.keys(t.ru?.links ?? {})) if (!declared.has(l)) problems.push(`${t.key} link ${l} (not declared)`);
    for (const [l, title] of Object.entries(t.ru?.backLinks ?? {})) {
      if (!declared.has(l)) problems.push(`${t.key} backLinks ${l} (not declared)`);
      if (!nonEmpty(title)) problems.push(`${t.key} backLinks ${l} (empty)`);
    }
  }
  return problems;
}

/** Word-valued choice columns with a value unlabelled, a label twice, a label with a comma or for no value. */
function choiceProblems(tables: DefinedTable[]): string[] {
  const problems: string[] = [];
  for (const t of tables) {
    const labelled = (t.ru?.options ?? {}) as Record<string, Record<string, string> | undefined>;
    for (const [name, spec] of Object.entries(t.columns)) {
      const id = `${t.key}.${name}`;
      const labels = labelled[name];
      if (spec.uidt !== 'SingleSelect' && spec.uidt !== 'MultiSelect') {
        if (labels) problems.push(`${id}: labels on a column that is not a choice`);
        continue;
      }
      if (id in CODE_COLUMNS) continue;
      const values = spec.options ?? [];
      for (const v of values) if (!nonEmpty(labels?.[v])) problems.push(`${id}: no label for ${v}`);
      for (const v of Object.keys(labels ?? {})) if (!values.includes(v)) problems.push(`${id}: label for unknown value ${v}`);
      for (const l of Object.values(labels ?? {})) if (l.includes(',')) problems.push(`${id}: label "${l}" has a comma`);
      const dup = duplicates(Object.entries(labels ?? {}).map(([where, title]) => ({ where, title })));
      if (dup.length) problems.push(`${id}: same label ${dup.join('; ')}`);
    }
  }
  return problems;
}

/** Titles shown twice in one table (columns, links, back links), and table titles shared by two tables. */
function titleProblems(tables: DefinedTable[]): string[] {
  return [
    ...tables.flatMap((t) => duplicates(shownTitles(tables, t)).map((d) => `${t.key}: ${d}`)),
    ...duplicates(tables.map((t) => ({ where: t.key, title: t.ru?.title }))).map((d) => `table titles: ${d}`),
  ];
}

/** The school's tables with one table's ru replaced. */
function withRu(key: string, change: (ru: NonNullable<DefinedTable['ru']>) => DefinedTable['ru']): DefinedTable[] {
  return schoolTables.map((t) => (t.key === key ? { ...t, ru: change(t.ru!) } : t));
}

describe('NocoDB tables in Russian (schemas/nocodb ru)', () => {
  it('gives every table a Russian title and description', () => {
    expect(tableProblems(schoolTables), 'tables without ru title or description').to.deep.equal([]);
  });

  it('titles and describes every declared column, and only those', () => {
    expect(columnProblems(schoolTables), 'columns without a Russian title and description').to.deep.equal([]);
  });

  it('titles and describes every declared link, and names back links only of declared links', () => {
    expect(linkProblems(schoolTables)).to.deep.equal([]);
  });

  it('labels every value of every word-valued choice column, uniquely and without commas', () => {
    expect(choiceProblems(schoolTables)).to.deep.equal([]);
  });

  it('names as code columns only real choice columns', () => {
    for (const id of Object.keys(CODE_COLUMNS)) {
      const [key, name] = id.split('.');
      const spec = schoolTables.find((t) => t.key === key)?.columns[name!];
      expect(spec?.uidt, id).to.be.oneOf(['SingleSelect', 'MultiSelect']);
    }
  });

  it('shows no title twice in a table (its columns, its links, the back links other tables give it), nor a table title twice', () => {
    expect(titleProblems(schoolTables)).to.deep.equal([]);
  });

  it('fails on a table without ru, a column without a title, a link without texts, an unlabelled or comma label, a title twice', () => {
    expect(tableProblems(schoolTables.map((t) => (t.key === 'leads' ? { ...t, ru: undefined } : t)))).to.deep.equal(['leads']);
    expect(columnProblems(withRu('answers', (ru) => ({ ...ru, columns: { ...ru.columns, Answer: ['', 'Текст ответа студента'] } })))).to.deep.equal(['answers.Answer']);
    expect(linkProblems(withRu('exercises', (ru) => ({ ...ru, links: {} })))).to.deep.equal(['exercises link Answers']);
    expect(choiceProblems(withRu('answers', (ru) => ({ ...ru, options: { ...ru.options, Status: { ...(ru.options as Record<string, Record<string, string>>).Status, draft: 'черновик, новый' } } }))))
      .to.deep.equal(['answers.Status: label "черновик, новый" has a comma']);
    expect(choiceProblems(withRu('leads', (ru) => ({ ...ru, options: {} })))).to.have.length(4);
    // exercises gets the back links of guides.Exercises and guide_sections.Exercises: the same title twice.
    expect(titleProblems(withRu('guide_sections', (ru) => ({ ...ru, backLinks: { Exercises: 'Руководство' } })))).to.have.length(1);
    expect(titleProblems(withRu('answers', (ru) => ({ ...ru, columns: { ...ru.columns, MentorScore: ['Баллы ИИ', 'Баллы наставника'] } })))).to.have.length(1);
  });
});
