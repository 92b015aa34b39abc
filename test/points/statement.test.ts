import { expect } from 'chai';
import { buildStatement, statementCsv, type StatementLine } from '../../extensions/points/statement.ts';

const line = (over: Partial<StatementLine>): StatementLine => ({
  id: '1', bookedAt: new Date('2025-03-01T09:00:00Z'), day: '2025-03-01', role: 'own', kind: 'club_post', ruleId: 3, ruleVersion: 2,
  points: 5, actions: 1, characters: 120, seconds: 0, note: null, compensates: null, fromPersonId: null, eventKey: 'discourse:post:1', recomputeId: null, ...over,
});

describe('points statement (pure)', () => {
  const s = buildStatement({
    personId: 'p', timeZone: 'Europe/Moscow', from: '2025-03-01', to: '2025-03-31', opening: 10,
    lines: [line({ id: '1', points: 5 }), line({ id: '2', points: -5, compensates: '1', note: 'cap' }), line({ id: '3', points: 7, characters: 200 })],
  });

  it('runs from the opening balance through every line to the closing balance', () => {
    expect(s.lines.map((l) => l.balance)).to.deep.equal([15, 10, 17]);
    expect([s.opening, s.credited, s.debited, s.closing]).to.deep.equal([10, 12, 5, 17]);
  });

  it('exports CSV with the rule of each line, reversals and localized headings', () => {
    const csv = statementCsv(s, 'ru').split('\r\n');
    expect(csv[0]).to.match(/^Строка,Проведено,День,Операция,Правило/);
    expect(csv[1]).to.contain('Входящий остаток').and.contain(',10,');
    expect(csv[2]).to.equal('1,2025-03-01 12:00:00,2025-03-01,"Сообщение в клубе, 120 знаков",правило 3 v2,120,0,5,15,,,discourse:post:1');
    expect(csv[3]).to.contain('Сторно строки 1').and.contain('достигнут дневной предел');
    expect(csv[5]).to.contain('Исходящий остаток').and.contain(',17,');
    expect(statementCsv(s, 'en').split('\r\n')[0]).to.match(/^Line,Booked,Day,Operation,Rule/);
  });

  it('neutralises text a spreadsheet would run as a formula', () => {
    const evil = buildStatement({ personId: 'p', timeZone: 'UTC', from: '2025-03-01', to: '2025-03-01', opening: 0, lines: [line({ eventKey: '=HYPERLINK("x")' })] });
    expect(statementCsv(evil, 'en')).to.contain(`"'=HYPERLINK(""x"")"`);
  });
});
