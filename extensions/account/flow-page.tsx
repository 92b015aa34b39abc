import type { FlowKind, UiFlow } from '../../ory/client.ts';
import { html, Page } from '../../kernel/page.tsx';
import { kratosText, text, title, type Lang } from './messages.ts';

type Node = UiFlow['ui']['nodes'][number];
type Message = { id?: number; text: string; type?: string };
const attr = (n: Node, key: string) => n.attributes[key];
const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? undefined : String(v));

/**
 * A Kratos self-service flow as a plain HTML form, as Ory's account UIs render it: the
 * form posts to Kratos itself (ui.action), with the flow's hidden CSRF token; Kratos sets
 * the session cookie and sends the browser back. No script.
 */
export function flowPage(kind: FlowKind, flow: UiFlow, lang: Lang): string {
  const nodes = flow.ui.nodes.filter((n) => n.type === 'input');
  const hidden = nodes.filter((n) => attr(n, 'type') === 'hidden');
  const buttons = nodes.filter((n) => attr(n, 'type') === 'submit' || attr(n, 'type') === 'button');
  const fields = nodes.filter((n) => !hidden.includes(n) && !buttons.includes(n));
  return html(
    <Page lang={lang} title={`${title(kind, lang)} · ${text('school', lang)}`}>
      <h1>{title(kind, lang)}</h1>
      {(flow.ui.messages ?? []).map((m: Message) => <p role={m.type === 'error' ? 'alert' : 'status'}>{kratosText(m, lang)}</p>)}
      <form method={flow.ui.method.toLowerCase() === 'get' ? 'get' : 'post'} action={flow.ui.action}>
        {hidden.map((n) => <input type="hidden" name={str(attr(n, 'name'))} value={str(attr(n, 'value'))} />)}
        {fields.map((n) => <Field node={n} lang={lang} />)}
        <p>{buttons.map((n) => <button type="submit" name={str(attr(n, 'name'))} value={str(attr(n, 'value'))}>{kratosText(n.meta?.label, lang) ?? title(kind, lang)}</button>)}</p>
      </form>
      <Links kind={kind} lang={lang} />
    </Page>,
  );
}

function Field({ node, lang }: { node: Node; lang: Lang }) {
  const name = str(attr(node, 'name')) ?? '';
  const id = `field-${name.replace(/[^a-z0-9_-]/gi, '-')}`;
  const type = str(attr(node, 'type')) ?? 'text';
  const described = node.messages?.length ? `${id}-messages` : undefined;
  return (
    <p>
      <label for={id}>{kratosText(node.meta?.label, lang) ?? name}</label>
      <br />
      <input id={id} name={name} type={type} value={type === 'password' ? undefined : str(attr(node, 'value'))}
        required={attr(node, 'required') === true} disabled={attr(node, 'disabled') === true}
        autocomplete={str(attr(node, 'autocomplete'))} aria-describedby={described} />
      {described && <span id={described}>{node.messages!.map((m: Message) => <span role={m.type === 'error' ? 'alert' : undefined}> {kratosText(m, lang)}</span>)}</span>}
    </p>
  );
}

function Links({ kind, lang }: { kind: FlowKind; lang: Lang }) {
  if (kind === 'login') return <p><a href="/auth/registration">{text('toRegistration', lang)}</a> · <a href="/auth/recovery">{text('toRecovery', lang)}</a></p>;
  if (kind === 'registration') return <p><a href="/auth/login">{text('toLogin', lang)}</a></p>;
  return null;
}

export function accountErrorPage(lang: Lang): string {
  return html(
    <Page lang={lang} title={text('school', lang)}>
      <h1>{text('school', lang)}</h1>
      <p role="alert">{text('error', lang)}</p>
      <p><a href="/auth/login">{text('again', lang)}</a></p>
    </Page>,
  );
}
