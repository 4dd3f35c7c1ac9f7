import { COMMON_PASSWORDS } from './common-passwords';

/** Minimum lengths: people's passwords, and device secrets (machine-made, so longer). */
export const MIN_PASSWORD_LENGTH = 12;
export const MIN_SECRET_LENGTH = 24;
/** Shannon entropy per character below which a secret is refused (random base64 has ~5.9). */
const MIN_SECRET_BITS_PER_CHAR = 3;
const MIN_SECRET_DISTINCT_CHARS = 10;

const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's' };

/** Why a password is too weak for `username`, or null when it is acceptable. */
export function passwordWeakness(password: string, username: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `passwords need at least ${MIN_PASSWORD_LENGTH} characters`;
  const lower = password.toLowerCase();
  if (lower === username.toLowerCase()) return 'the password must not be the username';
  const core = lower.replace(/^[^a-z]+|[^a-z]+$/g, ''); // "!!password2024" → "password"
  const variants = [lower, core, core.replace(/[^a-z]/g, ''), [...core].map((c) => LEET[c] ?? c).join('')];
  if (variants.some((v) => COMMON_PASSWORDS.has(v))) return 'this is one of the most common passwords';
  return null;
}

/** Why a device secret is too guessable, or null when it is acceptable. */
export function secretWeakness(secret: string): string | null {
  if (secret.length < MIN_SECRET_LENGTH)
    return `device secrets need at least ${MIN_SECRET_LENGTH} characters (e.g. 32 random bytes, base64-encoded)`;
  const counts = new Map<string, number>();
  for (const c of secret) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / secret.length) * Math.log2(n / secret.length);
  if (counts.size < MIN_SECRET_DISTINCT_CHARS || bits < MIN_SECRET_BITS_PER_CHAR)
    return (
      `device secret is too predictable (${counts.size} distinct characters, ${bits.toFixed(1)} bits each); ` +
      'use random bytes'
    );
  // "abcdefghijklabcdefghijkl": a shorter unit repeated adds nothing.
  if ((secret + secret).indexOf(secret, 1) < secret.length)
    return 'device secret is a repeated pattern; use random bytes';
  return null;
}
