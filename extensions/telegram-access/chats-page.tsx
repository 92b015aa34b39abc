import { html, Page } from '../../kernel/page.tsx';
import type { Lang } from '../../kernel/lang.ts';
import type { InviteLink } from './access-store.ts';
import { text } from './messages.ts';

/** /chats: the signed-in person's own invite links, one per chat, with until when each works. */
export function chatsPage(links: InviteLink[], lang: Lang, timeZone: string): string {
  const until = (iso: string) => new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone }).format(new Date(iso));
  return html(
    <Page lang={lang} title={text('title', lang)}>
      <h1>{text('title', lang)}</h1>
      <p>{text('intro', lang)}</p>
      {links.length === 0 && <p class="muted">{text('none', lang)} <a href="/account/telegram">{text('linkTelegram', lang)}</a></p>}
      {links.map((l) => (
        <article>
          <h2>{l.title ?? `${text('chat', lang)} ${l.chatId}`}</h2>
          <p><a href={l.inviteLink}>{text('join', lang)}</a></p>
          <p class="muted">{text('until', lang)} {until(l.expiresAt)}</p>
        </article>
      ))}
    </Page>,
  );
}
