import argon2 from 'argon2';

/**
 * People's passwords get argon2id with the library's defaults (64 MiB, t=3, p=4). Device
 * secrets are machine-made and checked by a keyed digest instead (see device-secrets.ts), so a
 * town's radios reconnecting at once cost no argon2 at all.
 */
const PEOPLE = { type: argon2.argon2id } as const;

export const hashPassword = (password: string) => argon2.hash(password, PEOPLE);

export async function verifyHash(hash: string, plain: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, plain);
  } catch {
    return false; // a malformed stored hash never authenticates
  }
}
