import { expect } from 'chai';
import { createNocoApi, nocoRows, type NocoApi } from '../../nocodb/client.ts';
import { provisionBase } from '../../nocodb/provision.ts';
import { nocoNames } from '../../nocodb/names.ts';
import { col, defineTable, schoolTables } from '../../schemas/nocodb/index.ts';
import { testLog, useNocodb } from '../support/stack.ts';

describe('NocoDB provisioning from schemas/', function () {
  this.timeout(180_000);
  let api: NocoApi;

  before(async () => {
    const nocodb = await useNocodb();
    api = createNocoApi(nocodb.url, nocodb.token);
  });

  it('creates the School base with every table and real links, and a second run changes nothing', async () => {
    const first = await provisionBase({ api, log: testLog }, { baseTitle: 'School (provision test)', tables: schoolTables });
    expect(first.report.createdTables).to.have.members(schoolTables.map((t) => t.key));
    const listed = (await api.dbTable.list(first.ids.baseId)).list ?? [];
    expect(listed.map((t) => t.title), 'in Russian, the default').to.include.members(['Руководства', 'Рабочие тетради', 'Ответы', 'Контакты', 'Продукты', 'Тарифы', 'Цены', 'Графики цен', 'Выдачи доступа', 'Группы', 'Наставники']);

    const groups = await api.dbTable.read(first.ids.tables.get('groups')!);
    const members = (groups.columns ?? []).find((c) => c.title === first.ids.names.title('groups', 'Members'));
    expect(members?.uidt, 'groups.Members is a NocoDB link').to.equal('Links');
    const rows = nocoRows(api, first.ids);
    const [anna] = await rows.insert('people', [{ Name: 'Анна Петрова' }]);
    const [group] = await rows.insert('groups', [{ Title: 'Группа 1' }]);
    await rows.link('groups', 'Members', group!.Id, [anna!.Id]);
    expect((await rows.get('groups', group!.Id)).MemberNames, 'the group shows its members by name, not only their count').to.deep.equal(['Анна Петрова']);
    const [workbook] = await rows.insert('workbooks', [{ Title: 'Тетрадь Анны' }]);
    await rows.link('people', 'Workbooks', anna!.Id, [workbook!.Id]);
    const [answer] = await rows.insert('answers', [{ Answer: 'По функции' }]);
    await rows.link('workbooks', 'Answers', workbook!.Id, [answer!.Id]);
    expect((await rows.get('workbooks', workbook!.Id)).StudentName, 'a workbook shows its student by name').to.satisfy((v: unknown) => JSON.stringify(v).includes('Анна Петрова'));
    expect((await rows.get('answers', answer!.Id)).StudentName, 'and so does each answer, through its workbook').to.satisfy((v: unknown) => JSON.stringify(v).includes('Анна Петрова'));

    const second = await provisionBase({ api, log: testLog }, { baseTitle: 'School (provision test)', tables: schoolTables });
    expect(second.report).to.deep.include({ createdTables: [], addedColumns: [], createdLinks: [], unknownColumns: [], typeMismatches: [], shownAs: [] });
    expect(second.ids.baseId).to.equal(first.ids.baseId);
  });

  it('shows a rule\'s per-character rate with its three decimals and titles its rows by kind, also in a base made before (issue 15)', async () => {
    const base = 'School (shown as test)';
    const { ids } = await provisionBase({ api, log: testLog }, { baseTitle: base, tables: schoolTables });
    const rules = ids.tables.get('points_rules')!;
    const columns = async () => (await api.dbTable.read(rules)).columns ?? [];
    const meta = (c: { meta?: unknown }) => (typeof c.meta === 'string' ? JSON.parse(c.meta) : c.meta ?? {}) as { precision?: number };
    const shown = async () => {
      const cols = await columns();
      return { perCharacter: meta(cols.find((c) => c.column_name === 'PerCharacter')!).precision, title: cols.find((c) => c.pv)?.column_name };
    };
    expect(await shown()).to.deep.equal({ perCharacter: 3, title: 'Kind' });
    const [row] = await nocoRows(api, ids).insert('points_rules', [{ Kind: 'exercise_answer', Points: 2, PerCharacter: 0.005, EffectiveFrom: '2025-01-01' }]);
    expect((await nocoRows(api, ids).get('points_rules', row!.Id)).PerCharacter, 'the value itself is kept whole').to.equal(0.005);

    // As an earlier provisioning left it: one decimal, rows titled by their points.
    const cols = await columns();
    const per = cols.find((c) => c.column_name === 'PerCharacter')!;
    await api.dbTableColumn.update(per.id!, { title: per.title, column_name: 'PerCharacter', uidt: 'Decimal', description: per.description, meta: { precision: 1 } } as never);
    await api.dbTableColumn.primaryColumnSet(cols.find((c) => c.column_name === 'Points')!.id!);
    expect(await shown()).to.deep.equal({ perCharacter: 1, title: 'Points' });
    const again = await provisionBase({ api, log: testLog }, { baseTitle: base, tables: schoolTables });
    expect(again.report.shownAs).to.have.members(['points_rules.PerCharacter: 3 decimals', 'points_rules: rows titled by Kind']);
    expect(await shown()).to.deep.equal({ perCharacter: 3, title: 'Kind' });
    expect((await nocoRows(api, ids).get('points_rules', row!.Id)).PerCharacter).to.equal(0.005);
    expect((await provisionBase({ api, log: testLog }, { baseTitle: base, tables: schoolTables })).report.shownAs, 'a third run changes nothing').to.deep.equal([]);
  });

  it('adds a new column without touching the data, and reports a removed one without dropping it', async () => {
    const v1 = defineTable({ key: 'notes', title: 'Notes', description: 'test', columns: { Title: col.text(), Body: col.longText() } });
    const { ids } = await provisionBase({ api, log: testLog }, { baseTitle: 'School (evolution test)', tables: [v1] });
    const rows = nocoRows(api, ids);
    const [row] = await rows.insert('notes', [{ Title: 'kept', Body: 'text that must survive' }]);

    const v2 = defineTable({ key: 'notes', title: 'Notes', description: 'test', columns: { Title: col.text(), Mood: col.select(['calm', 'busy'] as const) } });
    const { report } = await provisionBase({ api, log: testLog }, { baseTitle: 'School (evolution test)', tables: [v2] });
    expect(report.addedColumns).to.deep.equal(['notes.Mood']);
    expect(report.unknownColumns).to.deep.equal(['notes.Body (LongText)']);

    const after = await rows.get('notes', row!.Id);
    expect(after).to.include({ Title: 'kept', Body: 'text that must survive' });
    expect(after).to.have.property('Mood');
  });

  it('shows a base in Russian or English by NOCODB_LANGUAGE: a base made in English is retitled, its choices relabelled with their cells, and the code reads the same rows (issue 15)', async () => {
    const tasks = defineTable({
      key: 'tasks', title: 'Tasks', description: 'Things to do',
      columns: { Title: col.text(), Status: col.select(['open', 'done'] as const), Tags: col.multiSelect(['red', 'blue'] as const) },
      links: [{ title: 'Notes', to: 'task_notes', type: 'hm' }],
      ru: {
        title: 'Задачи', description: 'Что сделать',
        columns: { Title: ['Название', 'Коротко'], Status: ['Статус', 'Открыта или сделана'], Tags: ['Метки', 'Цвета'] },
        options: { Status: { open: 'открыта', done: 'сделана' }, Tags: { red: 'красная', blue: 'синяя' } },
        links: { Notes: ['Заметки', 'Заметки к задаче'] }, backLinks: { Notes: 'Задача' },
      },
    });
    const notes = defineTable({
      key: 'task_notes', title: 'Task notes', description: 'Notes',
      columns: { Text: col.longText() },
      ru: { title: 'Заметки к задачам', description: 'Заметки', columns: { Text: ['Текст', 'Текст заметки'] } },
    });
    const tables = [tasks, notes];
    const base = 'School (language test)';
    const en = await provisionBase({ api, log: testLog }, { baseTitle: base, tables, names: nocoNames(tables, 'en') });
    const enRows = nocoRows(api, en.ids);
    const [task] = await enRows.insert('tasks', [{ Title: 'Отчёт', Status: 'done', Tags: 'red,blue' }]);
    const [note] = await enRows.insert('task_notes', [{ Text: 'см. выше' }]);
    await enRows.link('tasks', 'Notes', task!.Id, [note!.Id]);
    const raw = async (key: string, id: number) => (await api.dbDataTableRow.read(en.ids.tables.get(key)!, String(id) as never)) as Record<string, unknown>;
    expect(await raw('tasks', task!.Id)).to.include({ Title: 'Отчёт', Status: 'done', Tags: 'red,blue' });

    const ru = await provisionBase({ api, log: testLog }, { baseTitle: base, tables, names: nocoNames(tables, 'ru') });
    expect(ru.report.shownAs).to.include.members([
      'tasks: titled "Задачи"', 'tasks.Title: titled "Название", described', 'tasks.Status: titled "Статус", described, choices labelled',
      'tasks.Notes: titled "Заметки"', 'task_notes.Tasks: titled "Задача"',
    ]);
    expect(ru.report.unknownColumns).to.deep.equal([]);
    const listed = ((await api.dbTable.list(ru.ids.baseId)).list ?? []).map((t) => t.title);
    expect(listed).to.include.members(['Задачи', 'Заметки к задачам']);
    const shown = await raw('tasks', task!.Id);
    expect(shown, 'staff read Russian titles and labels, the cells relabelled by NocoDB').to.include({ Название: 'Отчёт', Статус: 'сделана', Метки: 'красная,синяя', Заметки: 1 });
    const columns = (await api.dbTable.read(ru.ids.tables.get('tasks')!)).columns ?? [];
    expect(columns.find((c) => c.title === 'Статус')).to.include({ column_name: 'Status', description: 'Открыта или сделана' });
    const notesLink = columns.find((c) => c.title === 'Заметки')!;
    const linkMeta = (typeof notesLink.meta === 'string' ? JSON.parse(notesLink.meta) : notesLink.meta) as { plural?: string; singular?: string };
    expect(linkMeta, 'the count reads "1 Заметки к задачам", not NocoDB\'s English inflection').to.include({ plural: 'Заметки к задачам', singular: 'Заметки к задачам' });

    const ruRows = nocoRows(api, ru.ids);
    expect(await ruRows.get('tasks', task!.Id), 'the code reads the row as it wrote it').to.include({ Title: 'Отчёт', Status: 'done', Tags: 'red,blue' });
    const [open] = await ruRows.insert('tasks', [{ Title: 'Новая', Status: 'open' }]);
    expect((await ruRows.list('tasks', { where: '(Status,eq,open)', fields: 'Id,Title', sort: '-Title' })).map((r) => r.Id)).to.deep.equal([open!.Id]);
    const [withTask] = await ruRows.list('task_notes', { where: `(Id,eq,${note!.Id})` });
    expect(withTask!.Tasks, 'the link to the task, in our keys').to.deep.include({ Id: task!.Id, Title: 'Отчёт' });

    expect((await provisionBase({ api, log: testLog }, { baseTitle: base, tables, names: nocoNames(tables, 'ru') })).report.shownAs, 'a second run changes nothing').to.deep.equal([]);
    const back = await provisionBase({ api, log: testLog }, { baseTitle: base, tables, names: nocoNames(tables, 'en') });
    expect(back.report.shownAs.find((line) => line.startsWith('tasks.Status:'))).to.match(/titled "Status".*choices labelled/);
    expect(await raw('tasks', task!.Id), 'and back to English').to.include({ Title: 'Отчёт', Status: 'done', Tags: 'red,blue' });
  });
});
