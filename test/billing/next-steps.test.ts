/**
 * Staff's next-steps text (NocoDB Products.NextStepsRu / NextStepsEn) as the page and the
 * messages read it: a small Markdown subset, and nothing of it ever raw HTML or a script link.
 */
import { expect } from 'chai';
import { parseNextSteps, plainNextSteps } from '../../extensions/billing/next-steps.ts';
import { orderPage } from '../../extensions/billing/order-page.tsx';

const page = (source: string) => orderPage({
  orderId: 'o', planId: 1, product: 'P', plan: 'M', amountMinor: 100, currency: 'RUB', state: 'paid', failedHint: false, refreshUrl: null,
  nextSteps: parseNextSteps(source), chats: [],
}, 'ru');

describe('billing: next steps staff write', () => {
  it('reads paragraphs, lists, links and bold', () => {
    const blocks = parseNextSteps('Первое.\nСтрока два.\n\n- один\n- [чат](https://t.me/+x)\n\n1. раз\n2. **два**');
    expect(blocks).to.deep.equal([
      { paragraph: [[{ text: 'Первое.' }], [{ text: 'Строка два.' }]] },
      { list: [[{ text: 'один' }], [{ link: 'чат', href: 'https://t.me/+x' }]], ordered: false },
      { list: [[{ text: 'раз' }], [{ bold: 'два' }]], ordered: true },
    ]);
    expect(plainNextSteps(blocks)).to.equal('Первое.\nСтрока два.\n\n• один\n• чат (https://t.me/+x)\n\n1. раз\n2. два');
  });

  it('never renders staff\'s HTML or a javascript: link', () => {
    const html = page('<img src=x onerror=alert(1)> [жми](javascript:alert(1)) <a href="https://evil">a</a>');
    expect(html).to.not.include('<img').and.to.not.include('href="javascript:').and.to.not.include('>a</a>');
    expect(html).to.include('&lt;img src=x onerror=alert(1)>').and.to.include('[жми](javascript:alert(1))').and.to.include('&lt;a href=');
  });

  it('makes our own paths absolute in a message, and links bare addresses on the page', () => {
    expect(plainNextSteps(parseNextSteps('См. [подписки](/subscriptions).'), 'https://school.example')).to.equal('См. подписки (https://school.example/subscriptions).');
    expect(page('Запись: https://example.org/rec.')).to.include('<a href="https://example.org/rec" rel="noopener noreferrer">https://example.org/rec</a>.');
  });
});
