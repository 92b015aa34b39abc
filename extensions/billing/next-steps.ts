/**
 * Staff's next-steps text (NocoDB Products.NextStepsRu / NextStepsEn) read as a small,
 * safe subset of Markdown: paragraphs (a blank line between), list items (a line starting
 * "- ", "* " or "1. "), links `[text](https://...)` and bare https:// addresses, **bold**.
 * Pure: the page renders the blocks as elements (escaped by Preact, never raw HTML) and the
 * messages as plain text. A link that is not http(s) or one of our own paths stays text.
 */
export type Inline = { text: string } | { bold: string } | { link: string; href: string };
export type Block = { paragraph: Inline[][] } | { list: Inline[][]; ordered: boolean };

const ITEM = /^\s*(?:[-*•]|(\d+)[.)])\s+(.*)$/;
const TOKEN = /\[([^\]\n]+)\]\(([^)\s]+)\)|\*\*([^*\n]+)\*\*|(https?:\/\/[^\s<>()"']+[^\s<>().,;:!?'"])/g;

const safeHref = (href: string): string | null => (/^https?:\/\//i.test(href) || /^\/(?!\/)/.test(href) ? href : null);

export function inline(line: string): Inline[] {
  const out: Inline[] = [];
  let last = 0;
  for (const m of line.matchAll(TOKEN)) {
    if (m.index > last) out.push({ text: line.slice(last, m.index) });
    if (m[1] !== undefined) {
      const href = safeHref(m[2]!);
      out.push(href ? { link: m[1], href } : { text: m[0] });
    } else if (m[3] !== undefined) out.push({ bold: m[3] });
    else out.push({ link: m[4]!, href: m[4]! });
    last = m.index + m[0].length;
  }
  if (last < line.length) out.push({ text: line.slice(last) });
  return out;
}

export function parseNextSteps(source: string): Block[] {
  const blocks: Block[] = [];
  for (const chunk of source.replace(/\r\n?/g, '\n').split(/\n\s*\n/)) {
    const lines = chunk.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
    let paragraph: Inline[][] = [];
    let list: { items: Inline[][]; ordered: boolean } | null = null;
    const flush = () => {
      if (paragraph.length) blocks.push({ paragraph });
      if (list) blocks.push({ list: list.items, ordered: list.ordered });
      paragraph = [];
      list = null;
    };
    for (const line of lines) {
      const item = ITEM.exec(line);
      if (item) {
        const ordered = item[1] !== undefined;
        if (paragraph.length || (list && list.ordered !== ordered)) flush();
        list ??= { items: [], ordered };
        list.items.push(inline(item[2]!));
      } else {
        if (list) flush();
        paragraph.push(inline(line.trim()));
      }
    }
    flush();
  }
  return blocks;
}

const plainInline = (parts: Inline[]) => parts.map((p) => ('text' in p ? p.text : 'bold' in p ? p.bold : p.link === p.href ? p.href : `${p.link} (${p.href})`)).join('');

/** The same text for a Telegram message or an e-mail: links as "text (address)"; `base` makes our own paths absolute. */
export function plainNextSteps(blocks: Block[], base = ''): string {
  const absolute = (parts: Inline[]) => parts.map((p) => ('href' in p && p.href.startsWith('/') ? { ...p, href: `${base}${p.href}` } : p));
  return blocks.map((b) => ('paragraph' in b
    ? b.paragraph.map((l) => plainInline(absolute(l))).join('\n')
    : b.list.map((item, i) => `${b.ordered ? `${i + 1}.` : '•'} ${plainInline(absolute(item))}`).join('\n'))).join('\n\n');
}
