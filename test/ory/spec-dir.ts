/** Where Ory's published specs live: ../shared/ory-spec beside the checkout, or ORY_SPEC_DIR. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const specDir = process.env.ORY_SPEC_DIR ?? path.resolve(repoRoot, '../shared/ory-spec');
export const specFile = (name: string) => path.join(specDir, name);
