/**
 * Who processes what in scaled mode. Pure.
 *
 * Rendezvous (highest random weight) hashing — Thaler & Ravishankar 1998, "Using name-based mappings
 * to increase hit rates": every hub ranks (key, member) pairs by a hash and the highest wins, so all
 * hubs agree without talking, and when a member leaves only its keys move (to the next in rank).
 *
 * The unit of work: a signal installation (`tls/{id}`: the bulk of the traffic and of the optimiser's
 * work, and independent of other installations), and otherwise a whole device kind's handler
 * (`kind:transit`, `kind:cabinet`, ...), because those fuse across devices (line headways and
 * bunching, a cabinet and its lamps) and must see all of their devices in one place.
 */

/** FNV-1a 32-bit over a string's UTF-16 code units, then a murmur3 finaliser for spread. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The member that owns `key`, or null when there are no members. Ties break by member id. */
export function ownerOf(key: string, members: readonly string[]): string | null {
  let best: string | null = null;
  let bestW = -1;
  for (const m of members) {
    const w = hash32(`${m}\u0000${key}`);
    if (w > bestW || (w === bestW && best !== null && m < best)) {
      best = m;
      bestW = w;
    }
  }
  return best;
}

/** Partition key of a device's messages; `handlerKind` is the first kind of the handler that takes it. */
export function partitionKey(kind: string, deviceId: string, handlerKind: string): string {
  return kind === 'tls' ? `tls/${deviceId}` : `kind:${handlerKind}`;
}
