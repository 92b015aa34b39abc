import { similarity } from './similarity.ts';

/**
 * Pure: what changed between two editions of a guide, section by section, at paragraph
 * level. Equal content hashes are unchanged; of the rest, the most alike pairs above
 * `threshold` are edits, and what is left is added or removed.
 */
export interface Paragraph {
  id: string;
  sectionPath: string;
  heading: string;
  content: string;
  contentHash: string;
}

export interface EditedParagraph {
  before: Paragraph;
  after: Paragraph;
  similarity: number;
}

export interface SectionDiff {
  sectionPath: string;
  heading: string;
  added: Paragraph[];
  removed: Paragraph[];
  edited: EditedParagraph[];
  unchanged: number;
}

export const EDIT_THRESHOLD = 0.4;

function bySection(paragraphs: Paragraph[]): Map<string, Paragraph[]> {
  const sections = new Map<string, Paragraph[]>();
  for (const p of paragraphs) {
    const list = sections.get(p.sectionPath) ?? [];
    list.push(p);
    sections.set(p.sectionPath, list);
  }
  return sections;
}

function diffSection(sectionPath: string, before: Paragraph[], after: Paragraph[], threshold: number): SectionDiff {
  const leftBefore = [...before];
  const leftAfter: Paragraph[] = [];
  let unchanged = 0;
  for (const p of after) {
    const i = leftBefore.findIndex((q) => q.contentHash === p.contentHash);
    if (i >= 0) {
      leftBefore.splice(i, 1);
      unchanged++;
    } else leftAfter.push(p);
  }
  const pairs: EditedParagraph[] = [];
  for (const b of leftBefore) for (const a of leftAfter) {
    const s = similarity(b.content, a.content);
    if (s >= threshold) pairs.push({ before: b, after: a, similarity: Math.round(s * 1000) / 1000 });
  }
  pairs.sort((x, y) => y.similarity - x.similarity);
  const edited: EditedParagraph[] = [];
  const usedBefore = new Set<string>();
  const usedAfter = new Set<string>();
  for (const pair of pairs) {
    if (usedBefore.has(pair.before.id) || usedAfter.has(pair.after.id)) continue;
    usedBefore.add(pair.before.id);
    usedAfter.add(pair.after.id);
    edited.push(pair);
  }
  edited.sort((x, y) => after.indexOf(x.after) - after.indexOf(y.after));
  return {
    sectionPath,
    heading: (after[0] ?? before[0])?.heading ?? '',
    added: leftAfter.filter((p) => !usedAfter.has(p.id)),
    removed: leftBefore.filter((p) => !usedBefore.has(p.id)),
    edited,
    unchanged,
  };
}

/** Only sections with a change are listed, in the order of the newer edition (removed sections last). */
export function diffEditions(before: Paragraph[], after: Paragraph[], threshold = EDIT_THRESHOLD): SectionDiff[] {
  const old = bySection(before);
  const now = bySection(after);
  const order = [...now.keys(), ...[...old.keys()].filter((k) => !now.has(k))];
  return order
    .map((section) => diffSection(section, old.get(section) ?? [], now.get(section) ?? [], threshold))
    .filter((d) => d.added.length || d.removed.length || d.edited.length);
}
