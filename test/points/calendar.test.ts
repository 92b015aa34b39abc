import { expect } from 'chai';
import { daysOfYear, localDay, streaks, weekStart } from '../../extensions/points/calendar.ts';

describe('points calendar (pure)', () => {
  it('puts an instant on the person\'s own date', () => {
    const late = new Date('2025-03-01T15:30:00Z');
    expect(localDay(late, 'UTC')).to.equal('2025-03-01');
    expect(localDay(late, 'Asia/Vladivostok')).to.equal('2025-03-02');
    expect(localDay(new Date('2025-03-01T02:00:00Z'), 'America/New_York')).to.equal('2025-02-28');
  });

  it('turns the date at local midnight to the minute, in zones a quarter or half hour off and across a DST change', () => {
    const cases: [string, string][] = [
      ['Asia/Kathmandu', '2025-03-01T18:15:00Z'], // +05:45: local midnight
      ['Asia/Kolkata', '2025-03-01T18:30:00Z'], // +05:30
      ['America/New_York', '2025-03-09T05:00:00Z'], // the night the clocks go forward
      ['Europe/Moscow', '2025-03-01T21:00:00Z'],
    ];
    for (const [zone, midnight] of cases) {
      const expected = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
      for (let minute = -20; minute <= 20; minute++) {
        const at = new Date(Date.parse(midnight) + minute * 60_000 - 1);
        expect(localDay(at, zone), `${zone} ${at.toISOString()}`).to.equal(expected(at));
        expect(localDay(at, zone), 'asked again').to.equal(expected(at));
      }
    }
  });

  it('counts the current streak up to today, or yesterday while today is still open', () => {
    const days = ['2025-03-01', '2025-03-02', '2025-03-03'];
    expect(streaks(days, '2025-03-03')).to.include({ current: 3, longest: 3 });
    expect(streaks(days, '2025-03-04')).to.include({ current: 3, longest: 3 });
    expect(streaks(days, '2025-03-05')).to.include({ current: 0, longest: 3 });
  });

  it('keeps the longest streak after a break', () => {
    const days = ['2025-01-01', '2025-01-02', '2025-01-03', '2025-01-04', '2025-01-10', '2025-01-11'];
    expect(streaks(days, '2025-01-11')).to.deep.equal({ current: 2, longest: 4, currentEnds: '2025-01-11' });
  });

  it('counts a streak across a month and a year boundary, ignoring duplicates and order', () => {
    expect(streaks(['2025-01-01', '2024-12-31', '2024-12-30', '2025-01-01'], '2025-01-01')).to.include({ current: 3, longest: 3 });
  });

  it('knows leap years and weeks starting on Monday', () => {
    expect(daysOfYear(2024)).to.have.length(366);
    expect(daysOfYear(2025)).to.have.length(365);
    expect(weekStart('2025-03-02')).to.equal('2025-02-24');
    expect(weekStart('2025-03-03')).to.equal('2025-03-03');
  });
});
