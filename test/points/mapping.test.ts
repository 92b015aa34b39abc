import { expect } from 'chai';
import { writtenCharacters } from '../../extensions/points/characters.ts';
import { mapEvent } from '../../extensions/points/events.ts';
import { renderHeatmap } from '../../extensions/points/heatmap.ts';

const now = new Date('2025-03-01T12:00:00Z');

describe('points: counting characters', () => {
  it('counts what the person wrote, not quotes or pasted code', () => {
    const raw = [
      '[quote="bob, post:1, topic:2"]', 'What bob said [quote]nested[/quote] still bob', '[/quote]',
      '> a markdown quote', 'Мой ответ:   два слова', '```js', 'const pasted = 1;', '```', 'see [the guide](https://x.y/z) ![img](upload://a.png)',
    ].join('\n');
    expect(writtenCharacters(raw)).to.equal('Мой ответ: два слова see the guide'.length);
  });

  it('drops an unclosed code fence to the end and counts emoji as one', () => {
    expect(writtenCharacters('hi 👋\n```\ncode')).to.equal(4);
  });

  it('counts what a reader sees as one character as one: emoji sequences, flags, skin tones, combining accents', () => {
    // family of four (7 code points), the Russian flag (2 regional indicators), toned thumbs-up (2), й as и + U+0306 (2)
    expect(writtenCharacters('👨‍👩‍👧‍👦')).to.equal(1);
    expect(writtenCharacters('🇷🇺')).to.equal(1);
    expect(writtenCharacters('👍🏽')).to.equal(1);
    expect(writtenCharacters('и\u0306')).to.equal(1);
    expect(writtenCharacters('Ура 👨‍👩‍👧‍👦🇷🇺')).to.equal(6);
  });
});

describe('points: mapping inbox payloads', () => {
  const post = { id: 7, topic_id: 2, user_id: 5, username: 'Ann', raw: 'hello world', created_at: '2025-03-01T10:00:00Z', updated_at: '2025-03-01T10:00:00Z', post_number: 2 };

  it('maps a Discourse post to a club_post of its author with characters', () => {
    const m = mapEvent('discourse.post_created', { post }, now);
    if (m.type !== 'events') throw new Error(m.type);
    expect(m.events[0]).to.deep.include({ kind: 'club_post', externalRef: { source: 'discourse_user', id: '5' }, measures: { characters: 11 } });
    expect(m.events[0]!.alternateRefs).to.deep.equal([{ source: 'discourse_username', id: 'ann' }]);
  });

  it('makes a deletion a retracting version that beats an edit of the same moment', () => {
    const edit = mapEvent('discourse.post_edited', { post: { ...post, updated_at: '2025-03-01T11:00:00Z' } }, now);
    const del = mapEvent('discourse.post_destroyed', { post: { ...post, updated_at: '2025-03-01T11:00:00Z', deleted_at: '2025-03-01T11:00:00Z' } }, now);
    if (edit.type !== 'events' || del.type !== 'events') throw new Error('not mapped');
    expect(del.events[0]!.subject!.retract).to.equal(true);
    expect(del.events[0]!.subject!.version).to.be.greaterThan(edit.events[0]!.subject!.version);
    expect(del.events[0]!.occurredAt).to.equal(edit.events[0]!.occurredAt);
  });

  it('skips private messages and whispers, and ignores a post without an author', () => {
    expect(mapEvent('discourse.post_created', { post: { ...post, topic_archetype: 'private_message' } }, now).type).to.equal('skip');
    expect(mapEvent('discourse.post_created', { post: { ...post, post_type: 4 } }, now).type).to.equal('skip');
    const bad = mapEvent('discourse.post_created', { post: { id: 1 } }, now);
    expect(bad.type).to.equal('invalid');
  });

  it('refuses an event dated in the future', () => {
    const m = mapEvent('collector.ai_question', { key: 'k', kind: 'ai_question', person_id: '6f1c1d3e-6a4b-4c1e-9a0b-0b1f2c3d4e5f', occurred_at: '2025-03-02T12:00:00Z' }, now);
    expect(m).to.deep.include({ type: 'invalid' });
  });

  it('takes the collector\'s wire form and namespaces its key by person', () => {
    const person = '6f1c1d3e-6a4b-4c1e-9a0b-0b1f2c3d4e5f';
    const m = mapEvent('collector.reading_heartbeat', { key: 'hb-1', kind: 'reading_heartbeat', person_id: person, occurred_at: '2025-03-01T10:00:00+03:00', time_zone: 'Europe/Moscow', measures: { seconds: 30 } }, now);
    if (m.type !== 'events') throw new Error(JSON.stringify(m));
    expect(m.events[0]).to.deep.include({ key: `collector:${person}:hb-1`, personId: person, timeZone: 'Europe/Moscow', measures: { seconds: 30 } });
    expect(mapEvent('collector.reading_heartbeat', { key: 'hb-2', kind: 'reading_heartbeat', person_id: person, occurred_at: '2025-03-01T10:00:00Z' }, now).type).to.equal('invalid');
  });

  it('maps a Telegram note and its edit to versions of one note', () => {
    const first = mapEvent('telegram.note', { update_id: 10, note_id: '1:2', telegram_user_id: 42, text: 'note', date: '2025-03-01T10:00:00.000Z', edited: false }, now);
    const edit = mapEvent('telegram.note', { update_id: 11, note_id: '1:2', telegram_user_id: 42, text: 'note, longer', date: '2025-03-01T10:00:00.000Z', edited: true }, now);
    if (first.type !== 'events' || edit.type !== 'events') throw new Error('not mapped');
    expect(first.events[0]!.subject!.id).to.equal(edit.events[0]!.subject!.id);
    expect(edit.events[0]!.subject!.version).to.be.greaterThan(first.events[0]!.subject!.version);
    expect(first.events[0]!.key).to.not.equal(edit.events[0]!.key);
  });

  it('counts an answer only once it leaves draft', () => {
    const row = { Id: 3, StudentIdentity: '6f1c1d3e-6a4b-4c1e-9a0b-0b1f2c3d4e5f', Answer: 'my answer', Status: 'draft', UpdatedAt: '2025-03-01 10:00:00+00:00' };
    const draft = mapEvent('nocodb.answers.insert', { table: 'answers', row }, now);
    const sent = mapEvent('nocodb.answers.update', { table: 'answers', row: { ...row, Status: 'submitted', UpdatedAt: '2025-03-01 10:05:00+00:00' } }, now);
    if (draft.type !== 'events' || sent.type !== 'events') throw new Error('not mapped');
    expect(draft.events[0]!.subject!.retract).to.equal(true);
    expect(sent.events[0]).to.deep.include({ personId: row.StudentIdentity, measures: { characters: 9 } });
  });
});

describe('points: heat-map', () => {
  it('draws a square per day with its points, and the streak in the title', () => {
    const svg = renderHeatmap({ year: 2025, points: new Map([['2025-03-01', 12]]), streaks: { current: 1, longest: 4 }, lang: 'en' });
    expect(svg.match(/<rect [^>]*data-date=/g)).to.have.length(365);
    expect(svg).to.contain('data-date="2025-03-01" data-points="12"').and.contain('2025-03-01: 12 points').and.contain('Streak 1 days, longest 4');
  });
});
