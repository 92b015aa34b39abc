import type { Lang } from '../../kernel/lang.ts';
import { html, Page } from '../../kernel/page.tsx';
import type { McpTokenInfo } from './mcp-tokens.ts';
import { ASSISTANT_PAGE as T } from './messages.ts';

/**
 * /assistant: the address of the MCP server, the person's tokens (name, scope, when made and
 * last used, revoke), a form to mint one, and — once, right after minting — the new token
 * with the configuration for Claude Desktop (mcp-remote with a header) and the Inspector.
 */
export function assistantPage(p: { lang: Lang; mcpUrl: string; tokens: McpTokenInfo[]; minted?: string; notice?: string; problem?: string }): string {
  const { lang } = p;
  const when = (iso: string | null) => (iso ? new Date(iso).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : T.never[lang]);
  const token = p.minted ?? '<token>';
  const claude = JSON.stringify({ mcpServers: { school: { command: 'npx', args: ['mcp-remote', p.mcpUrl, '--header', 'Authorization:${AUTH_HEADER}'], env: { AUTH_HEADER: `Bearer ${token}` } } } }, null, 2);
  const inspector = `npx @modelcontextprotocol/inspector --cli ${p.mcpUrl} --transport http --header "Authorization: Bearer ${token}" --method tools/list`;
  return html(
    <Page lang={lang} title={T.title[lang]}>
      <h1>{T.title[lang]}</h1>
      <p>{T.intro[lang]}</p>
      {p.notice && <p role="status">{p.notice}</p>}
      {p.problem && <p role="alert">{p.problem}</p>}
      <p>{T.address[lang]}: <code id="mcp-url">{p.mcpUrl}</code></p>
      {p.minted && (
        <article>
          <p role="alert">{T.shownOnce[lang]}</p>
          <p><code id="minted-token">{p.minted}</code></p>
        </article>
      )}
      <h2>{T.tokens[lang]}</h2>
      {p.tokens.length === 0 ? <p class="muted">{T.none[lang]}</p> : (
        <ul>
          {p.tokens.map((t) => (
            <li data-token-id={t.id}>
              <strong>{t.name}</strong> — {t.scope === 'check' ? T.scopeCheck[lang] : T.scopeRead[lang]}; {T.created[lang]} {when(t.createdAt)}; {T.used[lang]}: {when(t.lastUsedAt)}
              {t.revokedAt ? <span class="muted"> ({T.revoked[lang]})</span> : (
                <form method="post" action={`/assistant/tokens/${t.id}/revoke?lang=${lang}`} style="display:inline"> <button type="submit">{T.revoke[lang]}</button></form>
              )}
            </li>
          ))}
        </ul>
      )}
      <form method="post" action={`/assistant/tokens?lang=${lang}`}>
        <p><label>{T.name[lang]}<input type="text" name="name" required maxLength={80} /></label></p>
        <fieldset>
          <legend>{T.scope[lang]}</legend>
          <label><input type="radio" name="scope" value="read" checked /> {T.scopeRead[lang]}</label><br />
          <label><input type="radio" name="scope" value="check" /> {T.scopeCheck[lang]}</label>
        </fieldset>
        <p><button type="submit">{T.mint[lang]}</button></p>
      </form>
      <h2>{T.claude[lang]}</h2>
      <blockquote>{claude}</blockquote>
      <h2>{T.inspector[lang]}</h2>
      <blockquote>{inspector}</blockquote>
    </Page>,
  );
}
