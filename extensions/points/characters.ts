/**
 * How many characters a person wrote in a text, the measure behind "characters written".
 *
 * What is left out, because someone else wrote it or it was pasted rather than written:
 *   - Discourse quotes `[quote="ann, post:1, topic:2"] ... [/quote]` (nested too);
 *   - Markdown quote lines (`> ...`);
 *   - fenced code blocks (``` or ~~~; an unclosed fence runs to the end);
 *   - HTML comments, and the target of links and images (`[text](url)` counts `text`,
 *     `![alt](upload://...)` counts nothing).
 * Inline code and indented blocks stay (students indent lists). Whitespace runs count as
 * one character, leading and trailing whitespace as none. The unit is what a reader sees as
 * one character, the extended grapheme cluster of Unicode (UAX #29, `Intl.Segmenter`): a
 * Cyrillic letter is one, and so is an emoji however it is built (a family of four, a flag,
 * a toned thumbs-up, a letter with a combining accent).
 */
const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });
export function writtenCharacters(text: string): number {
  let s = text.replace(/\r\n?/g, '\n');
  s = stripQuotes(s);
  s = s.replace(/^[ \t]*(```|~~~)[^\n]*\n[\s\S]*?(^[ \t]*\1[ \t]*$|(?![\s\S]))/gm, '');
  s = s.replace(/^[ \t]*>.*$/gm, '');
  s = s.replace(/<!--[\s\S]*?-->/g, '');
  s = s.replace(/!\[[^\]]*\]\([^)]*\)/g, '');
  s = s.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
  s = s.replace(/\s+/g, ' ').trim();
  let n = 0;
  for (const _ of graphemes.segment(s)) n++;
  return n;
}

/** Removes [quote]...[/quote] from the innermost out, so nested quotes go too. */
function stripQuotes(text: string): string {
  const innermost = /\[quote(?:=[^\]]*)?\](?:(?!\[quote)[\s\S])*?\[\/quote\]/gi;
  let s = text;
  for (let i = 0; i < 20; i++) {
    const next = s.replace(innermost, '');
    if (next === s) break;
    s = next;
  }
  return s;
}

/** Text of Discourse's `cooked` HTML, for payloads without `raw`: quotes and code removed. */
export function cookedText(html: string): string {
  return html
    .replace(/<aside[^>]*class="[^"]*quote[^"]*"[\s\S]*?<\/aside>/gi, '')
    .replace(/<blockquote[\s\S]*?<\/blockquote>/gi, '')
    .replace(/<pre[\s\S]*?<\/pre>/gi, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}
