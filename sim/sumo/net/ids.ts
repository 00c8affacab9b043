/**
 * SUMO ids -> our device ids. SUMO allows almost any character in ids (`#`, `:`, spaces are common
 * in OSM imports: `-32038056#3`, `cluster_357187_359543`); device ids must match
 * [A-Za-z0-9_-]{1,64} (protocol/topics.ts: they become MQTT topic levels). Anything else becomes '_';
 * long ids are shortened to MAX_TLS_ID_LEN with a hash suffix so detector ids
 * `${tlsId}-${approach}${lane}` stay within 64 characters; collisions (`a#1` and `a:1` both give `a_1`) get the hash of the original.
 */

/** Leaves room for `-` + approach id (≤ 3) + lane number (≤ 2) + margin in detector ids. */
export const MAX_TLS_ID_LEN = 48;

/** FNV-1a 32-bit, hex: stable across runs and machines. */
export function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

export function sanitiseId(raw: string, maxLen = MAX_TLS_ID_LEN): string {
  const s = raw.replace(/[^A-Za-z0-9_-]/g, '_') || 'tl';
  return s.length > maxLen ? `${s.slice(0, maxLen - 9)}_${fnv1a(raw)}` : s;
}

/** Sanitised, unique ids for a list of SUMO ids (first come keeps the plain form). */
export function sanitiseIds(raw: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const r of raw) {
    let s = sanitiseId(r);
    if (used.has(s)) s = `${s.slice(0, MAX_TLS_ID_LEN - 9)}_${fnv1a(r)}`;
    for (let k = 2; used.has(s); k++) s = `${s.slice(0, MAX_TLS_ID_LEN - 4)}_${k}`;
    used.add(s);
    out.set(r, s);
  }
  return out;
}
