import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Secrets the embedded stack generates on first start and keeps in DATA_DIR, so that a
 * restart finds the same NocoDB admin, API token and webhook secrets. Values given in the
 * environment always win over the file.
 */
export interface Credentials {
  nocodb: { email: string; password: string; token?: string; url?: string };
  secrets: {
    nocodbHook: string;
    kratosHook: string;
    discourse: string;
    collector: string;
    telegram: string;
    nocodbJwt: string;
  };
  /** Passwords of the embedded PostgreSQL's component roles (service/stack/roles.ts). */
  postgres: { service: string; nocodb: string; reader: string };
}

const secret = () => randomBytes(24).toString('base64url');

export async function loadCredentials(file: string): Promise<Credentials> {
  let stored: Partial<Credentials> = {};
  try {
    stored = JSON.parse(await readFile(file, 'utf8')) as Partial<Credentials>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const creds: Credentials = {
    nocodb: stored.nocodb ?? { email: 'admin@school.local', password: `Nc-${secret()}` },
    secrets: {
      nocodbHook: stored.secrets?.nocodbHook ?? secret(),
      kratosHook: stored.secrets?.kratosHook ?? secret(),
      discourse: stored.secrets?.discourse ?? secret(),
      collector: stored.secrets?.collector ?? secret(),
      telegram: stored.secrets?.telegram ?? secret(),
      nocodbJwt: stored.secrets?.nocodbJwt ?? secret(),
    },
    postgres: {
      service: stored.postgres?.service ?? secret(),
      nocodb: stored.postgres?.nocodb ?? secret(),
      reader: stored.postgres?.reader ?? secret(),
    },
  };
  await saveCredentials(file, creds);
  return creds;
}

export async function saveCredentials(file: string, creds: Credentials): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, file);
}
