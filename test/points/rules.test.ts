import { expect } from 'chai';
import {
  award, evaluateDay, planChanges, ruleInEffect, startOfDay, type Action, type ActiveLine, type Group, type Rule,
} from '../../extensions/points/rules.ts';

const rule = (over: Partial<Rule> = {}): Rule => ({
  ruleId: 1, version: 1, kind: 'club_post', points: 2, perCharacterMilli: 10, perMinuteMilli: 0, minLength: 0, dailyCap: null,
  cooldownSeconds: 0, effectiveFrom: '2000-01-01', ambassadorShareMilli: 0, ...over,
});
const at = (hhmmss: string) => Date.parse(`2025-03-01T${hhmmss}Z`);
const action = (key: string, time: string, characters: number | null = 100, seconds: number | null = null): Action =>
  ({ eventId: key, key, occurredAt: at(time), actions: 1, characters, seconds });
const group: Group = { personId: 'p1', kind: 'club_post', day: '2025-03-01' };
const points = (lines: { points: number; role: string }[]) => lines.filter((l) => l.role === 'own').map((l) => l.points);

describe('points rules (pure)', () => {
  it('awards points per action plus the per-character part, rounded down', () => {
    // 2 + floor(155 x 0.010) = 3
    expect(award(action('a', '10:00:00', 155), rule(), startOfDay()).points).to.equal(3);
    // 0.29 x 100 is 28.999... in floating point; thousandths keep it exact: 2 + 29
    expect(award(action('a', '10:00:00', 100), rule({ perCharacterMilli: 290 }), startOfDay()).points).to.equal(31);
  });

  it('gives reading time points per minute', () => {
    const r = rule({ kind: 'reading_heartbeat', points: 0, perCharacterMilli: 0, perMinuteMilli: 1000 });
    expect(award(action('h', '10:00:00', null, 90), r, startOfDay()).points).to.equal(1);
    expect(award(action('h', '10:00:00', null, 120), r, startOfDay()).points).to.equal(2);
  });

  it('gives nothing, with the reason, to a text shorter than the minimum', () => {
    const a = award(action('a', '10:00:00', 5), rule({ minLength: 20 }), startOfDay());
    expect([a.points, a.note]).to.deep.equal([0, 'short']);
  });

  it('stops at the daily cap, paying the part of the action that still fits', () => {
    const lines = evaluateDay(group, [action('a', '10:00:00'), action('b', '11:00:00'), action('c', '12:00:00')], rule({ dailyCap: 7 }), null);
    expect(points(lines)).to.deep.equal([3, 3, 1]);
    expect(lines.map((l) => l.note)).to.deep.equal([null, null, 'cap']);
  });

  it('gives nothing to an action within the cooldown of the previous one', () => {
    const lines = evaluateDay(group, [action('a', '10:00:00'), action('b', '10:00:20'), action('c', '10:01:00')], rule({ cooldownSeconds: 30 }), null);
    expect(points(lines)).to.deep.equal([3, 0, 3]);
    expect(lines[1]!.note).to.equal('cooldown');
  });

  it('counts a day the same whatever order its actions arrived in', () => {
    const acts = [action('a', '10:00:00'), action('b', '10:00:20'), action('c', '11:00:00'), action('d', '12:00:00')];
    const r = rule({ cooldownSeconds: 30, dailyCap: 5 });
    const forward = evaluateDay(group, acts, r, null);
    const backward = evaluateDay(group, [...acts].reverse(), r, null);
    expect(backward).to.deep.equal(forward);
  });

  it('gives the ambassador their share as a separate line', () => {
    const lines = evaluateDay(group, [action('a', '10:00:00', 800)], rule({ ambassadorShareMilli: 250 }), 'amb');
    // own: 2 + 8 = 10; ambassador: floor(10 x 0.25) = 2
    expect(lines.map((l) => [l.role, l.personId, l.points])).to.deep.equal([['own', 'p1', 10], ['ambassador', 'amb', 2]]);
  });

  it('picks the rule in force on the day: latest effective_from on or before it', () => {
    const rules = [rule({ ruleId: 1, effectiveFrom: '2025-01-01' }), rule({ ruleId: 2, effectiveFrom: '2025-03-01' }), rule({ ruleId: 3, kind: 'draft', effectiveFrom: '2025-02-01' })];
    expect(ruleInEffect(rules, 'club_post', '2025-02-28')?.ruleId).to.equal(1);
    expect(ruleInEffect(rules, 'club_post', '2025-03-01')?.ruleId).to.equal(2);
    expect(ruleInEffect(rules, 'club_post', '2024-12-31')).to.equal(undefined);
  });

  it('corrects a changed event by compensating its old line and adding the new one, and leaves right ones alone', () => {
    const target = evaluateDay(group, [action('a', '10:00:00', 100), action('b', '11:00:00', 300)], rule(), null);
    const active: ActiveLine[] = [{ ...target[0]!, id: '1' }, { ...target[1]!, id: '2', points: 3, characters: 100 }];
    const plan = planChanges(['a', 'b'], active, target);
    expect(plan.map((l) => [l.eventId, l.points, l.compensates ?? null])).to.deep.equal([['b', -3, '2'], ['b', 5, null]]);
    expect(planChanges(['a', 'b'], target.map((l, i) => ({ ...l, id: String(i) })), target)).to.deep.equal([]);
  });
});
