import { html, Page } from '../../kernel/page.tsx';
import type { Lang } from '../../kernel/lang.ts';
import { text, type TextKey } from './messages.ts';
import type { Block, Inline } from './next-steps.ts';
import { money } from './subscriptions-page.tsx';

/**
 * The order's page (/billing/orders/:id), where every provider sends the payer back: the
 * state in words, and for a paid order the product's next steps (staff's text from NocoDB,
 * as safe elements) and the invite links to its chats. Processing reloads itself (a meta
 * refresh, no script) until our record knows, for a bounded time. Pure: page-routes.ts
 * brings the data.
 */
export type OrderState = 'paid' | 'processing' | 'failed' | 'cancelled';

export interface OrderPageView {
  orderId: string;
  planId: number;
  product: string;
  plan: string;
  amountMinor: number;
  currency: string;
  state: OrderState;
  /** The provider sent the payer back to its failure address: only a hint. */
  failedHint: boolean;
  /** Processing: where the page reloads to, or null when it has waited long enough. */
  refreshUrl: string | null;
  nextSteps: Block[];
  chats: { title: string; url: string }[];
}

export const REFRESH_SECONDS = 3;

function Line({ parts }: { parts: Inline[] }) {
  return <>{parts.map((p) => ('text' in p ? p.text : 'bold' in p ? <strong>{p.bold}</strong> : <a href={p.href} rel="noopener noreferrer">{p.link}</a>))}</>;
}

function Steps({ blocks }: { blocks: Block[] }) {
  return (
    <div data-next-steps>
      {blocks.map((b) => ('paragraph' in b
        ? <p>{b.paragraph.map((l, i) => <>{i > 0 && <br />}<Line parts={l} /></>)}</p>
        : b.ordered ? <ol>{b.list.map((item) => <li><Line parts={item} /></li>)}</ol> : <ul>{b.list.map((item) => <li><Line parts={item} /></li>)}</ul>))}
    </div>
  );
}

const STATE_TEXT: Record<OrderState, TextKey> = { paid: 'orderPaid', processing: 'orderProcessing', failed: 'orderFailed', cancelled: 'orderCancelled' };

export function orderPage(v: OrderPageView, lang: Lang): string {
  const waitingTooLong = v.state === 'processing' && v.refreshUrl === null;
  const retry = v.state === 'failed' || (v.state === 'processing' && v.failedHint);
  return html(
    <Page lang={lang} title={text('orderTitle', lang)} {...(v.refreshUrl ? { refresh: { seconds: REFRESH_SECONDS, url: v.refreshUrl } } : {})}>
      <h1>{text('orderTitle', lang)}</h1>
      <p class="muted">{v.product} · {v.plan} · {money(v.amountMinor, v.currency, lang)}</p>
      <p role="status" class="status" data-state={v.state}>{text(STATE_TEXT[v.state], lang)}</p>
      {v.state === 'processing' && v.failedHint && <p>{text('orderProcessingHint', lang)}</p>}
      {waitingTooLong && <p>{text('orderStillWaiting', lang)}</p>}
      {retry && (
        <form method="post" action={`/billing/renew/${v.planId}`}>
          <button type="submit">{text('tryAgain', lang)}</button>
        </form>
      )}
      {v.state === 'paid' && (
        <section>
          <h2>{text('nextSteps', lang)}</h2>
          <Steps blocks={v.nextSteps} />
          {v.chats.length > 0 && (
            <>
              <h2>{text('yourChats', lang)}</h2>
              <ul data-chats>{v.chats.map((c) => <li><a href={c.url} rel="noopener noreferrer">{c.title}</a></li>)}</ul>
            </>
          )}
        </section>
      )}
      <p><a href="/subscriptions">{text('title', lang)}</a></p>
    </Page>,
  );
}

export interface RenewPageView { planId: number; product: string; plan: string; amountMinor: number; currency: string; endsOn: string | null }

/** Renewing (or buying again) a plan: what it costs, and the button that starts the payment. */
export function renewPage(v: RenewPageView, lang: Lang, until: (d: string) => string): string {
  return html(
    <Page lang={lang} title={text('renewTitle', lang)}>
      <h1>{text('renewTitle', lang)}</h1>
      <p><strong>{v.product} · {v.plan}</strong>: {money(v.amountMinor, v.currency, lang)}</p>
      {v.endsOn && <p class="muted">{text('holdsUntil', lang)} {until(v.endsOn)}</p>}
      <form method="post" action={`/billing/renew/${v.planId}`}>
        <button type="submit">{text('renewButton', lang)}</button>
      </form>
      <p class="muted">{text('renewNoAuto', lang)}</p>
      <p><a href="/subscriptions">{text('title', lang)}</a></p>
    </Page>,
  );
}
