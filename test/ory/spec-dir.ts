/**
 * Ory's published specs: the copy kept in ory/spec (so a fresh clone tests on its own),
 * or ORY_SPEC_DIR. test/ory/spec-copy.test.ts checks the copy against ../shared/ory-spec.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const specDir = process.env.ORY_SPEC_DIR ?? path.resolve(repoRoot, 'ory/spec');
export const sharedSpecDir = path.resolve(repoRoot, '../shared/ory-spec');
export const specFile = (name: string) => path.join(specDir, name);
