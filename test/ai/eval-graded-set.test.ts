import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { isAppError } from '../../kernel/errors.ts';
import { readGradedSet } from '../../extensions/ai-check/evaluation/graded-set.ts';

const fixture = (name: string) => readFileSync(path.resolve(import.meta.dirname, '../fixtures/ai-eval', name), 'utf8');

function lineErrors(text: string, opts: Parameters<typeof readGradedSet>[1] = {}): Map<number, string> {
  try {
    readGradedSet(text, opts);
  } catch (e) {
    if (isAppError(e) && e.code === 'GRADED_SET_INVALID') {
      return new Map((e.details as { errors: { line: number; message: string }[] }).errors.map((x) => [x.line, x.message]));
    }
    throw e;
  }
  throw new Error('the set was read without errors');
}

describe('ai-eval graded sets', () => {
  it('reads decimal scores of two graders (a Texas-shaped set), with the language from its header', () => {
    const set = readGradedSet(fixture('texas-shaped.jsonl'));
    expect(set.kind).to.equal('score');
    expect(set.items).to.have.length(8);
    expect(set.items[2]!.grades).to.deep.equal({ kind: 'score', maxScore: 5, human: 3.75, human2: 3.5, recordedAi: null });
    expect(set.items[2]!.line).to.equal(4);
    expect(set.items.every((i) => i.language === 'en')).to.equal(true);
    expect(set.source).to.match(/Mohler/);
  });

  it('reads fractions of 0..1 with the graders\' feedback (a SAF-shaped set)', () => {
    const set = readGradedSet(fixture('fractions-shaped.jsonl'));
    expect(set.items.map((i) => i.grades.kind === 'score' && i.grades.human)).to.deep.equal([1, 0.25, 0.5]);
    expect(set.items[1]!.humanFeedback).to.match(/counters deviations/);
  });

  it('reads labels against the set the file declares (a Beetle-shaped set), and refuses another set given on the command line', () => {
    const set = readGradedSet(fixture('semeval-shaped.jsonl'));
    expect(set.kind).to.equal('label');
    expect(set.labels).to.deep.equal(['correct', 'partially_correct_incomplete', 'contradictory', 'irrelevant', 'non_domain']);
    expect(set.items[4]!.grades).to.deep.equal({ kind: 'label', human: 'irrelevant', human2: null });
    expect(readGradedSet(fixture('semeval-shaped.jsonl'), { labels: set.labels }).items).to.have.length(8);
    const errors = lineErrors(fixture('semeval-shaped.jsonl'), { labels: ['correct', 'incorrect'] });
    expect(errors.get(1)).to.match(/--labels \(correct, incorrect\) differs from the file's label set/);
  });

  it('takes the label set from the command line when the file has no header, and names a label outside it by line', () => {
    const lines = [
      { question: 'q', reference_answer: 'r', student_answer: 'a', human_label: 'correct', human_label_2: 'incorrect', language: 'ru' },
      { question: 'q', reference_answer: 'r', student_answer: 'b', human_label: 'partly', language: 'ru' },
    ].map((l) => JSON.stringify(l)).join('\n');
    expect(lineErrors(lines, { labels: ['correct', 'incorrect'] }).get(2)).to.match(/"partly" is not one of the declared labels/);
    const set = readGradedSet(lines.split('\n')[0]!, { labels: ['correct', 'incorrect'] });
    expect(set.items[0]!.grades).to.deep.equal({ kind: 'label', human: 'correct', human2: 'incorrect' });
    expect(lineErrors(lines.split('\n')[0]!).get(1)).to.match(/no label set is declared/);
  });

  it('reports every malformed line by its number, and reads nothing of such a file', () => {
    const errors = lineErrors(fixture('malformed.jsonl'));
    expect([...errors.keys()]).to.deep.equal([2, 3, 5, 6, 7, 8, 9, 10]);
    expect(errors.get(2)).to.match(/not JSON/);
    expect(errors.get(3)).to.match(/human_score 6 is above max_score 5/);
    expect(errors.get(5)).to.match(/human_score needs max_score/);
    expect(errors.get(6)).to.match(/human_scor/);
    expect(errors.get(7)).to.match(/human_score: .*number/i);
    expect(errors.get(8)).to.match(/language/);
    expect(errors.get(9)).to.match(/no label set is declared/);
    expect(errors.get(10)).to.match(/no language/);
  });

  it('takes --language for lines that name none, but never mixes scores and labels in one file', () => {
    const score = JSON.stringify({ question: 'q', reference_answer: 'r', student_answer: 'a', max_score: 2, human_score: 1.5 });
    const label = JSON.stringify({ question: 'q', reference_answer: 'r', student_answer: 'a', human_label: 'correct' });
    expect(readGradedSet(score, { language: 'ru' }).items[0]!.language).to.equal('ru');
    expect(lineErrors(`${score}\n${label}`, { language: 'ru', labels: ['correct', 'wrong'] }).get(2)).to.match(/one shape per file/);
  });

  it('keys repeated answers apart, and keeps a key when lines move', () => {
    const a = JSON.stringify({ question: 'q', reference_answer: 'r', student_answer: 'same', max_score: 2, human_score: 1, language: 'en' });
    const b = JSON.stringify({ question: 'q', reference_answer: 'r', student_answer: 'other', max_score: 2, human_score: 2, language: 'en' });
    const first = readGradedSet([a, a, b].join('\n')).items.map((i) => i.key);
    expect(new Set(first).size).to.equal(3);
    const moved = readGradedSet([b, '', a, a].join('\n')).items.map((i) => i.key);
    expect(moved).to.have.members(first);
  });

  it('refuses a repeated id, a second header and a file with no answers', () => {
    const line = (id: string) => JSON.stringify({ id, question: 'q', reference_answer: 'r', student_answer: 'a', max_score: 2, human_score: 1, language: 'en' });
    expect(lineErrors([line('x'), line('x')].join('\n')).get(2)).to.match(/id "x" is used on line 1/);
    expect(lineErrors([line('x'), JSON.stringify({ graded_set: {} })].join('\n')).get(2)).to.match(/only be the first line/);
    expect(lineErrors('\n\n').get(1)).to.match(/no graded answers/);
  });
});
