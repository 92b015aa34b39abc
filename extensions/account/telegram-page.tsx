import { html, Page } from '../../kernel/page.tsx';
import type { Lang } from '../../kernel/lang.ts';
import { telegramText as t } from './messages.ts';
import type { TelegramLinking } from './telegram.ts';
import type { TelegramLoginUser } from './telegram-login.ts';

type Links = Awaited<ReturnType<TelegramLinking['of']>>;

/**
 * /account/telegram: the person's Telegram link and claims, and Telegram's Login Widget
 * (its script is Telegram's: the one way to the signed payload; the rest of the page needs
 * none), which sends the browser back to this page with the payload.
 */
export function telegramStatusPage(p: { lang: Lang; links: Links; widget?: { botUsername: string; authUrl: string } }): string {
  const { lang } = p;
  const linked = p.links.linked.filter((l) => l.source === 'telegram');
  const waiting = p.links.waiting.filter((w) => w.source === 'telegram');
  return html(
    <Page lang={lang} title={t('title', lang)}>
      <h1>{t('title', lang)}</h1>
      <p>{t('why', lang)}</p>
      {linked.length
        ? <p class="status">{t('linked', lang)}: {linked.map((l) => l.id).join(', ')}</p>
        : <p class="status">{t('none', lang)}</p>}
      {waiting.map((w) => <p>{t('waiting', lang)}: {w.id}{w.linkedToAnotherPerson ? `; ${t('waitingTaken', lang)}` : ''}.</p>)}
      {p.widget
        ? <section aria-label={t('signIn', lang)}>
          <p>{t('signIn', lang)}</p>
          <script async src="https://telegram.org/js/telegram-widget.js?22" data-telegram-login={p.widget.botUsername}
            data-size="large" data-auth-url={p.widget.authUrl} data-request-access="write" />
        </section>
        : <p>{t('noWidget', lang)}</p>}
      <p><a href="/workbooks">{t('workbooks', lang)}</a></p>
    </Page>,
  );
}

/** The widget came back with a payload whose signature holds: linking it is the person's own click (a form of this site). */
export function telegramConfirmPage(p: { lang: Lang; user: TelegramLoginUser; fields: Record<string, string>; action: string }): string {
  const { lang, user } = p;
  const name = [user.firstName, user.lastName].filter(Boolean).join(' ');
  return html(
    <Page lang={lang} title={t('title', lang)}>
      <h1>{t('title', lang)}</h1>
      <p>{t('confirm', lang)}</p>
      <p class="status">{name}{user.username ? ` (@${user.username})` : ''}, id {user.id}</p>
      <form method="post" action={`${p.action}${lang === 'en' ? '?lang=en' : ''}`}>
        {Object.entries(p.fields).map(([name, value]) => <input type="hidden" name={name} value={value} />)}
        <p><button type="submit">{t('link', lang)}</button></p>
      </form>
      <p><a href={p.action}>{t('back', lang)}</a></p>
    </Page>,
  );
}
