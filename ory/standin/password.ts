/** Password hashes of the stand-in: scrypt from node:crypto, `$scrypt$N,r,p$salt$hash` in base64. */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const PARAMS = { N: 16384, r: 8, p: 1 };
const KEY_LENGTH = 32;
const PREFIX = '$scrypt$';

const derive = (password: string, salt: Buffer, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return `${PREFIX}${PARAMS.N},${PARAMS.r},${PARAMS.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export const isStandinHash = (hash: string) => /^\$scrypt\$\d+,\d+,\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/.test(hash);

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (!isStandinHash(hash)) return false;
  const [params = '', salt = '', key = ''] = hash.slice(PREFIX.length).split('$');
  const [N, r, p] = params.split(',').map(Number);
  const expected = Buffer.from(key, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), { N, r, p });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
