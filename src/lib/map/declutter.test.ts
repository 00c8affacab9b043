import { describe, expect, it } from 'vitest';
import { declutter, labelBox, markerObstacle, type LabelCandidate } from './declutter.ts';

const at = (id: string, lon: number, lat: number, priority = 0, text = 'Knoten Hauptbahnhof'): LabelCandidate => ({
  id,
  lon,
  lat,
  text,
  sizePx: 12,
  anchor: 'middle',
  offsetPx: [0, -18],
  priority,
});

describe('declutter', () => {
  it('keeps the higher-priority label of two that would overlap, and both when zoomed in far enough', () => {
    // ~35 m apart at Duisburg Hbf: overlapping at city zoom 14, apart at street zoom 18.
    const a = at('tls:A', 6.7755, 51.4297, 1);
    const b = at('tls:B', 6.7760, 51.4297, 5);
    expect([...declutter([a, b], 14)]).toEqual(['tls:B']);
    expect(declutter([a, b], 18)).toEqual(new Set(['tls:A', 'tls:B']));
  });

  it('no two kept labels overlap, in a dense random centre', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const cands = Array.from({ length: 600 }, (_, i) => at(`c${i}`, 6.75 + rnd() * 0.05, 51.42 + rnd() * 0.03, rnd(), 'x'.repeat(4 + Math.floor(rnd() * 20))));
    for (const zoom of [13, 14.5, 16]) {
      const keep = declutter(cands, zoom);
      const kept = cands.filter((c) => keep.has(c.id));
      expect(kept.length).toBeGreaterThan(10);
      expect(kept.length).toBeLessThan(cands.length);
      const boxes = kept.map((c) => labelBox(c, zoom));
      const clashes: string[] = [];
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) {
          const p = boxes[i]!;
          const q = boxes[j]!;
          if (p.x0 < q.x1 && q.x0 < p.x1 && p.y0 < q.y1 && q.y0 < p.y1) clashes.push(`${kept[i]!.id} / ${kept[j]!.id} at z${zoom}`);
        }
      expect(clashes).toEqual([]);
    }
  });

  it('a label never covers a marker obstacle, and obstacles are not returned', () => {
    const label = at('tls:A', 6.7755, 51.4297, 100);
    // A marker of 10 px radius 18 px north of the point at z16: exactly under the label's box.
    const markerLat = 51.4297 + 18 / (((512 * 2 ** 16) / 360) * (1 / Math.cos((51.4297 * Math.PI) / 180)));
    const kept = declutter([label, markerObstacle('m:B', 6.7755, markerLat, 10)], 16);
    expect(kept.has('tls:A')).toBe(false);
    expect(kept.has('m:B')).toBe(false);
    expect(declutter([label, markerObstacle('m:B', 6.78, 51.4297, 10)], 16)).toEqual(new Set(['tls:A']));
  });

  it('a start-anchored label extends to the right of its point', () => {
    const box = labelBox({ ...at('x', 6.77, 51.43), anchor: 'start', offsetPx: [10, 0] }, 15);
    const mid = labelBox({ ...at('x', 6.77, 51.43), anchor: 'middle', offsetPx: [10, 0] }, 15);
    expect(box.x0).toBeGreaterThan(mid.x0);
  });
});
