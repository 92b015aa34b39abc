import type { ComponentChildren } from 'preact';
import { renderToStaticMarkup } from 'preact-render-to-string';
import type { Lang } from './lang.ts';

/**
 * The frame of every page people see: server-rendered HTML (Preact's renderer escapes every
 * value), readable on a phone, the page's language declared. Everything works without
 * script; a page may add one of its own (`script`, our own constant text, never data) to
 * make something nicer, such as saving a draft as the student types.
 */
export function Page(props: { lang: Lang; title: string; children: ComponentChildren; script?: string; refresh?: { seconds: number; url: string } }) {
  return (
    <html lang={props.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* A page waiting for something (a payment's confirmation) reloads itself, without script. */}
        {props.refresh && <meta http-equiv="refresh" content={`${props.refresh.seconds}; url=${props.refresh.url}`} />}
        <title>{props.title}</title>
        <style>{STYLE}</style>
      </head>
      <body>
        <main>{props.children}</main>
        {props.script && <script dangerouslySetInnerHTML={{ __html: props.script }} />}
      </body>
    </html>
  );
}

export const html = (node: preact.VNode): string => `<!doctype html>${renderToStaticMarkup(node)}`;

const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1a1a1a; background: #fafafa; }
main { max-width: 46rem; margin: 0 auto; padding: 1rem; }
article { background: #fff; border: 1px solid #ddd; border-radius: .5rem; padding: 1rem; margin: 1rem 0; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin: 0 0 .5rem; }
.status { font-weight: 600; } .muted { color: #555; }
blockquote { margin: .5rem 0; padding: .5rem .75rem; border-left: 3px solid #999; background: #f3f3f3; white-space: pre-wrap; }
input[type=text], input[type=email], input[type=password], input:not([type]), textarea { width: 100%; box-sizing: border-box; font: inherit; padding: .4rem; }
button { font: inherit; padding: .4rem .8rem; }
a { color: #0645ad; } a:focus, button:focus, textarea:focus { outline: 3px solid #ffbf47; }
`;

/** A page that says one thing (an error people can read): its title, the text, and a link onwards. */
export function messagePage(lang: Lang, title: string, text: string, link?: { href: string; label: string }): string {
  return html(
    <Page lang={lang} title={title}>
      <h1>{title}</h1>
      <p role="alert">{text}</p>
      {link && <p><a href={link.href}>{link.label}</a></p>}
    </Page>,
  );
}
