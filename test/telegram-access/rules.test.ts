import { expect } from 'chai';
import { decide, inChat, inviteName, type Candidate, type Exemptions } from '../../extensions/telegram-access/rules.ts';

describe('telegram access rules', () => {
  const out = new Date('2026-03-01T10:00:00Z');
  const c = (over: Partial<Candidate> = {}): Candidate => ({ chatId: -1002345678901, telegramUserId: 1, status: 'member', personId: 'p-ann', outSince: out, ...over });
  const none: Exemptions = { staff: new Set(), mentorsOf: () => new Set(), groupsOf: () => [], volunteer: () => null };

  it('removes a member who holds nothing from the end of the grace period', () => {
    expect(decide(c(), none, 3)).to.deep.equal({ decision: 'remove', reason: 'holds nothing that opens this chat since 2026-03-01', removableFrom: new Date('2026-03-04T10:00:00Z') });
  });

  it('spares administrators, staff, volunteers of this chat and mentors of its groups, saying why; an unknown account is never removed', () => {
    expect(decide(c({ status: 'administrator' }), none, 3).decision).to.equal('spared');
    expect(decide(c(), { ...none, staff: new Set(['p-ann']) }, 3)).to.include({ decision: 'spared', reason: 'staff' });
    expect(decide(c(), { ...none, volunteer: (p, chat) => (p === 'p-ann' && chat === -1002345678901 ? 'ведёт разборы' : null) }, 3).reason).to.equal('volunteer: ведёт разборы');
    expect(decide(c(), { ...none, groupsOf: () => [4, 7], mentorsOf: (g) => new Set(g === 7 ? ['p-ann'] : []) }, 3).reason).to.equal('mentor of group 7');
    expect(decide(c(), { ...none, groupsOf: () => [4], mentorsOf: () => new Set(['p-other']) }, 3).decision, 'another group\'s mentor is not spared').to.equal('remove');
    expect(decide(c({ personId: null }), none, 3)).to.include({ decision: 'unknown', removableFrom: null });
  });

  it('counts a restricted member in only while Telegram says is_member, and names invite links within 32 characters', () => {
    expect([inChat('member'), inChat('restricted', true), inChat('restricted', false), inChat('left'), inChat('kicked')]).to.deep.equal([true, true, false, false, false]);
    expect(inviteName('0f8e2c4a-1111-2222-3333-444455556666', -1002345678901)).to.equal('school 0f8e2c4a 45678901').and.have.length.at.most(32);
  });
});
