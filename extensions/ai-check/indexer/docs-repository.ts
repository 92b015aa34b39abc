import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { sha256 } from './chunks.ts';

const exec = promisify(execFile);

/**
 * Where the guides come from: a local folder, or a git URL cloned (shallow) into a cache
 * folder and fast-forwarded to the remote's head on every open. All calls to `git` are here.
 */
export interface DocsCheckout {
  dir: string;
  /** The commit indexed, when the docs come from git. */
  revision: string | null;
  source: string;
}

const GIT_URL = /^(https?|ssh|git|file):\/\/|^[\w.-]+@[\w.-]+:/;

export function isGitUrl(location: string): boolean {
  return GIT_URL.test(location);
}

async function git(args: string[], cwd?: string): Promise<string> {
  const { stdout } = await exec('git', args, { cwd, timeout: 120_000, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  return stdout.trim();
}

export async function openDocsRepository(opts: { location: string; cacheDir: string; branch?: string }): Promise<DocsCheckout> {
  const { location, cacheDir, branch } = opts;
  if (!isGitUrl(location)) {
    const dir = path.resolve(location);
    const revision = existsSync(path.join(dir, '.git')) ? await git(['rev-parse', 'HEAD'], dir).catch(() => null) : null;
    return { dir, revision, source: dir };
  }
  const dir = path.join(cacheDir, sha256(location).slice(0, 16));
  if (existsSync(path.join(dir, '.git'))) {
    await git(['fetch', '--depth', '1', 'origin', branch ?? 'HEAD'], dir);
    await git(['reset', '--hard', 'FETCH_HEAD'], dir);
  } else {
    await mkdir(cacheDir, { recursive: true });
    await git(['clone', '--depth', '1', ...(branch ? ['--branch', branch] : []), location, dir]);
  }
  return { dir, revision: await git(['rev-parse', 'HEAD'], dir), source: location };
}
