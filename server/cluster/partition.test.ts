import { describe, expect, it } from 'vitest';
import { ownerOf, partitionKey } from './partition.ts';

const keys = Array.from({ length: 2000 }, (_, i) => partitionKey('tls', `K${i}`, 'tls'));

describe('rendezvous partitioning', () => {
  it('gives every key exactly one owner, the same on every hub whatever the member order', () => {
    const a = keys.map((k) => ownerOf(k, ['hub-a', 'hub-b', 'hub-c']));
    const b = keys.map((k) => ownerOf(k, ['hub-c', 'hub-a', 'hub-b']));
    expect(a).toEqual(b);
    expect(ownerOf('x', [])).toBeNull();
  });

  it('spreads keys evenly (each of 3 hubs within 10% of a third)', () => {
    const n = new Map<string, number>();
    for (const k of keys) n.set(ownerOf(k, ['hub-a', 'hub-b', 'hub-c'])!, (n.get(ownerOf(k, ['hub-a', 'hub-b', 'hub-c'])!) ?? 0) + 1);
    for (const c of n.values()) expect(Math.abs(c - keys.length / 3)).toBeLessThan(keys.length / 30);
  });

  it('moves only the keys of a member that leaves', () => {
    const before = keys.map((k) => ownerOf(k, ['hub-a', 'hub-b', 'hub-c']));
    const after = keys.map((k) => ownerOf(k, ['hub-a', 'hub-c']));
    keys.forEach((_, i) => {
      if (before[i] !== 'hub-b') expect(after[i]).toBe(before[i]);
      else expect(after[i]).not.toBe('hub-b');
    });
  });

  it('keys signal installations one by one and other kinds by their handler', () => {
    expect(partitionKey('tls', 'K1', 'tls')).toBe('tls/K1');
    expect(partitionKey('lamp', 'L1', 'cabinet')).toBe('kind:cabinet');
    expect(partitionKey('cabinet', 'C9', 'cabinet')).toBe('kind:cabinet');
  });
});
