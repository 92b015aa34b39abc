/**
 * The pure parts of billing: the price on a day from price rows and schedules, the preview
 * of the next changes, periods of each duration, and the school's date.
 */
import { expect } from 'chai';
import { addMonths, localDay } from '../../extensions/billing/days.ts';
import { nextPeriod, periodFrom } from '../../extensions/billing/periods.ts';
import { nextChanges, priceAt, type PriceRules } from '../../extensions/billing/prices.ts';

// The school's rule: the subscription rises by 100 RUB (10000 kopecks) on the first day of every quarter from 1 July 2025.
const quarterly: PriceRules = {
  rows: [{ rowId: 1, amountMinor: 100_000, validFrom: '2025-01-01' }],
  schedules: [{ rowId: 7, stepMinor: 10_000, everyMonths: 3, startsOn: '2025-07-01' }],
};

describe('billing rules: prices', () => {
  it('raises the price by 100 RUB on the first day of each quarter from 2025-07-01, not a day before', () => {
    expect(priceAt(quarterly, '2025-06-30')).to.deep.equal({ amountMinor: 100_000, validFrom: '2025-01-01', origin: 'price:1' });
    expect(priceAt(quarterly, '2025-07-01')).to.deep.equal({ amountMinor: 110_000, validFrom: '2025-07-01', origin: 'schedule:7:1' });
    expect(priceAt(quarterly, '2025-09-30')!.amountMinor).to.equal(110_000);
    expect(priceAt(quarterly, '2025-10-01')!.amountMinor).to.equal(120_000);
    expect(priceAt(quarterly, '2026-12-01')).to.deep.equal({ amountMinor: 160_000, validFrom: '2026-10-01', origin: 'schedule:7:6' });
    expect(priceAt(quarterly, '2024-12-31'), 'before any price').to.equal(null);
  });

  it('stops at a cap or an end staff set', () => {
    const capped = { ...quarterly, schedules: [{ ...quarterly.schedules[0]!, capMinor: 125_000 }] };
    expect(priceAt(capped, '2026-01-01')!.amountMinor).to.equal(125_000);
    expect(priceAt(capped, '2027-01-01')!.amountMinor).to.equal(125_000);
    const ended = { ...quarterly, schedules: [{ ...quarterly.schedules[0]!, endsOn: '2025-10-31' }] };
    expect(priceAt(ended, '2026-06-01')!.amountMinor, 'two steps, then none').to.equal(120_000);
  });

  it('lets a price row staff add win on its day, and the schedule go on from it', () => {
    const reset = { ...quarterly, rows: [...quarterly.rows, { rowId: 2, amountMinor: 200_000, validFrom: '2025-10-01' }] };
    expect(priceAt(reset, '2025-09-30')!.amountMinor).to.equal(110_000);
    expect(priceAt(reset, '2025-10-01')).to.deep.equal({ amountMinor: 200_000, validFrom: '2025-10-01', origin: 'price:2' });
    expect(priceAt(reset, '2026-01-01')!.amountMinor).to.equal(210_000);
  });

  it('previews the next four changes for staff', () => {
    expect(nextChanges(quarterly, '2025-08-15').map((p) => [p.validFrom, p.amountMinor])).to.deep.equal([
      ['2025-10-01', 120_000], ['2026-01-01', 130_000], ['2026-04-01', 140_000], ['2026-07-01', 150_000],
    ]);
    expect(nextChanges({ rows: quarterly.rows, schedules: [] }, '2025-08-15'), 'no schedule, no change ahead').to.deep.equal([]);
  });
});

describe('billing rules: periods and days', () => {
  it('runs a period to the day before the same day N months later, or to the end of a shorter month', () => {
    expect(periodFrom({ duration: 'month' }, '2025-03-15')).to.deep.equal({ startsOn: '2025-03-15', endsOn: '2025-04-14' });
    expect(periodFrom({ duration: 'month' }, '2025-01-31')).to.deep.equal({ startsOn: '2025-01-31', endsOn: '2025-02-28' });
    expect(nextPeriod({ duration: 'month' }, '2025-02-28')).to.deep.equal({ startsOn: '2025-03-01', endsOn: '2025-03-31' });
    expect(periodFrom({ duration: 'quarter' }, '2025-01-01').endsOn).to.equal('2025-03-31');
    expect(periodFrom({ duration: 'year' }, '2025-07-01').endsOn).to.equal('2026-06-30');
    expect(periodFrom({ duration: '2 years' }, '2024-02-29').endsOn).to.equal('2026-02-28');
    expect(periodFrom({ duration: 'fixed dates', startsOn: '2026-03-10', endsOn: '2026-03-12' }, '2026-01-05')).to.deep.equal({ startsOn: '2026-03-10', endsOn: '2026-03-12' });
    expect(() => periodFrom({ duration: 'fixed dates' }, '2026-01-05')).to.throw(/StartsOn and EndsOn/);
  });

  it('knows the school\'s date: 21:30 UTC on 30 June is already 1 July in Moscow', () => {
    expect(localDay(new Date('2025-06-30T21:30:00Z'), 'Europe/Moscow')).to.equal('2025-07-01');
    expect(localDay(new Date('2025-06-30T20:59:59Z'), 'Europe/Moscow')).to.equal('2025-06-30');
    expect(addMonths('2025-11-30', 3)).to.equal('2026-02-28');
  });
});
