import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { badRequest } from '../../../kernel/errors.ts';
import { parseOr400 } from '../../../kernel/validation.ts';
import { stripFrontMatter, type MarkdownFile } from './chunks.ts';

/**
 * One guide = one folder of a docs repository: Markdown files plus a manifest, either
 * `guide.json` or front matter in `index.md` (or the first Markdown file):
 *   { "slug": "systems-thinking", "title": "...", "language": "ru", "edition": "2024.2" }
 * (`version` is accepted for `edition`).
 */
export const guideManifest = z
  .object({
    slug: z.string().regex(/^[a-z0-9][a-z0-9-_]*$/, 'slug: lowercase latin letters, digits, - and _'),
    title: z.string().min(1),
    language: z.enum(['ru', 'en']),
    edition: z.union([z.string(), z.number()]).transform(String).optional(),
    version: z.union([z.string(), z.number()]).transform(String).optional(),
  })
  .transform(({ version, edition, ...m }) => ({ ...m, edition: edition ?? version ?? 'unversioned' }));
export type GuideManifest = z.infer<typeof guideManifest>;

export interface GuideFolder {
  dir: string;
  manifest: GuideManifest;
  files: MarkdownFile[];
}

/** Front matter is simple `key: value` lines; nothing here needs a YAML library. */
function parseFrontMatter(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]!] = m[2]!.replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

export async function readGuideFolder(dir: string): Promise<GuideFolder | null> {
  const names = (await readdir(dir)).filter((n) => /\.(md|markdown)$/i.test(n)).sort();
  if (names.length === 0) return null;
  const files = await Promise.all(names.map(async (name) => ({ name, text: await readFile(path.join(dir, name), 'utf8') })));
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path.join(dir, 'guide.json'), 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw badRequest('GUIDE_MANIFEST_INVALID', `${dir}/guide.json: ${(e as Error).message}`);
    const first = files.find((f) => /^index\.md$/i.test(f.name)) ?? files[0]!;
    raw = { slug: path.basename(dir), ...parseFrontMatter(stripFrontMatter(first.text).frontMatter ?? '') };
  }
  return { dir, manifest: parseOr400(guideManifest, raw, `the manifest of ${dir}`, 'GUIDE_MANIFEST_INVALID'), files };
}

/** Every immediate sub-folder of the repository that holds a guide. */
export async function readGuideFolders(root: string): Promise<GuideFolder[]> {
  const entries = await readdir(root, { withFileTypes: true });
  const dirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => path.join(root, e.name)).sort();
  const guides = await Promise.all(dirs.map(readGuideFolder));
  return guides.filter((g): g is GuideFolder => g !== null);
}
