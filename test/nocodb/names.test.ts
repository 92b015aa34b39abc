import { expect } from 'chai';
import { nocoNames, schoolNames } from '../../nocodb/names.ts';
import { col, defineTable, schoolTables } from '../../schemas/nocodb/index.ts';

/** Two tables as staff read them in Russian: the code keeps its English keys and values. */
const tasks = defineTable({
  key: 'tasks', title: 'Tasks', description: 'Things to do',
  columns: {
    Title: col.text(), Status: col.select(['open', 'done'] as const), Tags: col.multiSelect(['red', 'blue'] as const),
  },
  links: [{ title: 'Notes', to: 'notes', type: 'hm' }],
  ru: {
    title: 'Задачи', description: 'Что сделать',
    columns: { Title: ['Название', 'Коротко'], Status: ['Статус', 'Открыта или сделана'], Tags: ['Метки', 'Цвета'] },
    options: { Status: { open: 'открыта', done: 'сделана' }, Tags: { red: 'красная', blue: 'синяя' } },
    links: { Notes: ['Заметки', 'Заметки к задаче'] },
    backLinks: { Notes: 'Задача' },
  },
});
const notes = defineTable({
  key: 'notes', title: 'Notes', description: 'Notes',
  columns: { Text: col.longText() },
  ru: { title: 'Заметки', description: 'Заметки', columns: { Text: ['Текст', 'Текст заметки'] } },
});

describe('NocoDB names: our keys and values, staff\'s titles and labels (nocodb/names.ts)', () => {
  const ru = nocoNames([tasks, notes], 'ru');
  const en = nocoNames([tasks, notes], 'en');

  it('writes a row under the Russian titles and labels, and reads it back as the code wrote it', () => {
    const ours = { Id: 3, Title: 'Отчёт', Status: 'done', Tags: 'red,blue', CreatedAt: '2026-12-01 10:00:00+00:00' };
    const theirs = ru.toNoco('tasks', ours);
    expect(theirs).to.deep.equal({ Id: 3, Название: 'Отчёт', Статус: 'сделана', Метки: 'красная,синяя', CreatedAt: '2026-12-01 10:00:00+00:00' });
    expect(ru.fromNoco('tasks', theirs)).to.deep.equal(ours);
  });

  it('translates the linked records inside a row by the table they come from', () => {
    const note = { Id: 7, Текст: 'см. выше', Задача: { Id: 3, Название: 'Отчёт' }, tasks_id: 3 };
    expect(ru.fromNoco('notes', note)).to.deep.equal({ Id: 7, Text: 'см. выше', Tasks: { Id: 3, Title: 'Отчёт' }, tasks_id: 3 });
    expect(ru.fromNoco('tasks', { Id: 3, Заметки: [{ Id: 7, Текст: 'a' }] })).to.deep.equal({ Id: 3, Notes: [{ Id: 7, Text: 'a' }] });
  });

  it('leaves a value it has no label for as it is, so a choice staff added reaches validation unchanged', () => {
    expect(ru.fromNoco('tasks', { Статус: 'отложена' })).to.deep.equal({ Status: 'отложена' });
  });

  it('translates where, fields and sort, values of choices included', () => {
    expect(ru.where('tasks', '(Status,eq,open)~and(Title,like,%отчёт%)~or(Tags,anyof,red,blue)~and(Title,blank)'))
      .to.equal('(Статус,eq,открыта)~and(Название,like,%отчёт%)~or(Метки,anyof,красная,синяя)~and(Название,blank)');
    expect(ru.where('notes', '(tasks_id,eq,3)')).to.equal('(tasks_id,eq,3)');
    expect(ru.fields('tasks', 'Id,Title,Status')).to.equal('Id,Название,Статус');
    expect(ru.sort('tasks', '-Status,Id')).to.equal('-Статус,Id');
  });

  it('in English is the keys themselves, the other side of a link titled by the declaring table', () => {
    expect(en.toNoco('tasks', { Title: 'a', Status: 'open' })).to.deep.equal({ Title: 'a', Status: 'open' });
    expect(en.table('tasks')).to.deep.equal({ title: 'Tasks', description: 'Things to do' });
    expect(en.title('notes', 'Tasks')).to.equal('Tasks');
    expect(ru.title('notes', 'Tasks')).to.equal('Задача');
    expect(ru.table('notes').title).to.equal('Заметки');
  });
});

describe('the School base\'s Russian titles', () => {
  it('can each stand in a NocoDB where clause: no comma, parenthesis or tilde in a title or label', () => {
    const names = schoolNames('ru');
    const bad: string[] = [];
    for (const t of schoolTables) {
      for (const key of Object.keys(t.columns)) {
        if (/[,()~]/.test(names.title(t.key, key))) bad.push(`${t.key}.${key}: ${names.title(t.key, key)}`);
        for (const [value, label] of names.labels(t.key, key)) if (/[,()~]/.test(label)) bad.push(`${t.key}.${key}=${value}: ${label}`);
      }
      for (const link of names.links(t.key)) if (/[,()~]/.test(link.title)) bad.push(`${t.key}.${link.key}: ${link.title}`);
    }
    expect(bad).to.deep.equal([]);
  });
});
