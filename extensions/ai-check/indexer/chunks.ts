import { createHash } from 'node:crypto';

/**
 * Pure: a guide's Markdown files -> chunks. A chunk is one block of a section (a paragraph,
 * a list, a fenced code block), so that an edition diff can speak of paragraphs and a
 * re-index touches only the blocks that changed.
 */
export interface MarkdownFile {
  /** File name inside the guide folder, e.g. `01-boundaries.md`. */
  name: string;
  text: string;
}

export interface Chunk {
  /** Stable id: hash of the position path (guide + section) and hash of the content. */
  id: string;
  sectionPath: string;
  /** The file stem and every heading slug above the block: how an exercise names its section. */
  sectionSlugs: string[];
  /** Heading chain as written, `Boundaries › Inner boundary`. */
  heading: string;
  content: string;
  contentHash: string;
  /** Order of the block in the whole guide. */
  position: number;
}

// Blocks shorter than this (a "For example:" line) belong with the block after them.
const MIN_BLOCK_CHARS = 40;

export function slugify(text: string): string {
  return text.normalize('NFC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '');
}

/** Whitespace differences (re-wrapped lines) are not changes. */
export function normalizeText(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, ' ').trim();
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function stripFrontMatter(text: string): { frontMatter: string | null; body: string } {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  return m ? { frontMatter: m[1] ?? '', body: text.slice(m[0].length) } : { frontMatter: null, body: text };
}

interface Block {
  headings: string[];
  text: string;
}

/** Splits one file into blocks under their heading chain: headings, blank lines, code fences. */
function blocksOf(markdown: string): Block[] {
  const blocks: Block[] = [];
  const headings: string[] = [];
  let lines: string[] = [];
  let fence: string | null = null;
  const flush = () => {
    const text = lines.join('\n').trim();
    if (text) blocks.push({ headings: [...headings], text });
    lines = [];
  };
  for (const line of markdown.split(/\r?\n/)) {
    const fenceMark = /^\s*(```|~~~)/.exec(line)?.[1];
    if (fence) {
      lines.push(line);
      if (fenceMark === fence) {
        fence = null;
        flush();
      }
      continue;
    }
    if (fenceMark) {
      flush();
      fence = fenceMark;
      lines.push(line);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      flush();
      const level = heading[1]!.length;
      headings.length = Math.min(headings.length, level - 1);
      while (headings.length < level - 1) headings.push('');
      headings.push(heading[2] ?? '');
      continue;
    }
    if (line.trim() === '') flush();
    else lines.push(line);
  }
  flush();
  return mergeShortBlocks(blocks);
}

function mergeShortBlocks(blocks: Block[]): Block[] {
  const out: Block[] = [];
  let carry: Block | null = null;
  for (const block of blocks) {
    const sameSection = carry && carry.headings.join('\u0000') === block.headings.join('\u0000');
    const current: Block = carry && sameSection ? { headings: block.headings, text: `${carry.text}\n\n${block.text}` } : block;
    if (carry && !sameSection) out.push(carry);
    carry = null;
    if (current.text.length < MIN_BLOCK_CHARS) carry = current;
    else out.push(current);
  }
  if (carry) out.push(carry);
  return out;
}

export function chunkGuide(guideSlug: string, files: MarkdownFile[]): Chunk[] {
  const chunks: Chunk[] = [];
  const seen = new Map<string, number>();
  const sorted = [...files].sort((a, b) => a.name.localeCompare(b.name));
  for (const file of sorted) {
    const stem = slugify(file.name.replace(/\.(md|markdown)$/i, ''));
    for (const block of blocksOf(stripFrontMatter(file.text).body)) {
      const named = block.headings.filter(Boolean);
      const headingSlugs = named.map(slugify);
      const sectionPath = `${stem}#${headingSlugs.join('/')}`;
      const contentHash = sha256(normalizeText(block.text));
      const positionKey = sha256(`${guideSlug}\n${sectionPath}`).slice(0, 8);
      const base = `${positionKey}-${contentHash.slice(0, 12)}`;
      const repeat = (seen.get(base) ?? 0) + 1;
      seen.set(base, repeat);
      chunks.push({
        id: repeat === 1 ? base : `${base}-${repeat}`,
        sectionPath,
        sectionSlugs: [stem, ...headingSlugs],
        heading: named.join(' › '),
        content: block.text,
        contentHash,
        position: chunks.length,
      });
    }
  }
  return chunks;
}
