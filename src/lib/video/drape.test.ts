import { describe, expect, it } from 'vitest';
import { toLocalMetres } from '../map/footprint.ts';
import { drapeCorners } from './drape.ts';

const lon = 6.7682;
const lat = 51.4391;
const local = (c: [number, number]) => toLocalMetres(lon, lat, c);

describe('drapeCorners (BitmapLayer bounds from a frame pose)', () => {
  it('nadir, 100 m, 90°x90°, yaw north: a 200 m square; order bottom-left, top-left, top-right, bottom-right', () => {
    const c = drapeCorners({ lon, lat, altM: 100, pitchDeg: -90, yawDeg: 0, hfovDeg: 90, vfovDeg: 90 })!.map(local);
    const want = [
      [-100, -100],
      [-100, 100],
      [100, 100],
      [100, -100],
    ];
    c.forEach((p, i) => {
      expect(p[0]).toBeCloseTo(want[i]![0]!, 1);
      expect(p[1]).toBeCloseTo(want[i]![1]!, 1);
    });
  });

  it('45° down, looking north, 100 m, hfov 60°, vfov 30°: hand-computed corners', () => {
    // Edge rays: top at -30°, bottom at -60° -> centre-column ground distances 100/tan30 = 173.205 m
    // and 100/tan60 = 57.735 m. Corner ray d = f + r·tan30·sx + u·tan15·sy with f = (0, .7071, -.7071),
    // u = (0, .7071, .7071), r = (1, 0, 0): top-right d = (0.57735, 0.89658, -0.51764), t = 193.185,
    // east = 111.536; bottom-left d = (-0.57735, 0.51764, -0.89658), t = 111.536, east = -64.395.
    const [bl, tl, tr, br] = drapeCorners({ lon, lat, altM: 100, pitchDeg: -45, yawDeg: 0, hfovDeg: 60, vfovDeg: 30 })!.map(local);
    expect(tr![0]).toBeCloseTo(111.536, 1);
    expect(tr![1]).toBeCloseTo(173.205, 1);
    expect(tl![0]).toBeCloseTo(-111.536, 1);
    expect(tl![1]).toBeCloseTo(173.205, 1);
    expect(bl![0]).toBeCloseTo(-64.395, 1);
    expect(bl![1]).toBeCloseTo(57.735, 1);
    expect(br![0]).toBeCloseTo(64.395, 1);
    expect(br![1]).toBeCloseTo(57.735, 1);
  });

  it('yawed east the far edge lies east', () => {
    const [, tl, tr] = drapeCorners({ lon, lat, altM: 100, pitchDeg: -45, yawDeg: 90, hfovDeg: 60, vfovDeg: 30 })!.map(local);
    expect(tl![0]).toBeCloseTo(173.205, 1);
    expect(tl![1]).toBeCloseTo(111.536, 1);
    expect(tr![1]).toBeCloseTo(-111.536, 1);
  });

  it('no drape on the ground or when the image top nears the horizon (clipped footprint)', () => {
    expect(drapeCorners({ lon, lat, altM: 0, pitchDeg: -90, yawDeg: 0, hfovDeg: 60, vfovDeg: 30 })).toBeNull();
    expect(drapeCorners({ lon, lat, altM: 110, pitchDeg: -20, yawDeg: 0, hfovDeg: 63, vfovDeg: 37.9 })).toBeNull();
    expect(drapeCorners({ lon, lat, altM: 110, pitchDeg: -36, yawDeg: 0, hfovDeg: 63, vfovDeg: 37.9 })).not.toBeNull();
  });
});

describe('drapeGrid (perspective as a piecewise-affine grid)', () => {
  it('the image centre lands where the optical axis meets the ground (not the quad diagonal midpoint)', async () => {
    const { drapeGrid, groundPoint } = await import('./drape.ts');
    // 45° down looking north from 100 m: the axis meets the ground 100 m north.
    const h = { lon, lat, altM: 100, pitchDeg: -45, yawDeg: 0, hfovDeg: 60, vfovDeg: 30 };
    const c = local(groundPoint(h, 0, 0)!);
    expect(c[0]).toBeCloseTo(0, 3);
    expect(c[1]).toBeCloseTo(100, 1);
    const g = drapeGrid(h, 8)!;
    const mid = local(g.ground[4 * 9 + 4]!);
    expect(mid[1]).toBeCloseTo(100, 1);
    // Corners agree with the hand-computed footprint: top-right (111.536, 173.205).
    const tr = local(g.ground[8]!);
    expect(tr[0]).toBeCloseTo(111.536, 1);
    expect(tr[1]).toBeCloseTo(173.205, 1);
    // The quad's diagonal midpoint, where an affine mapping would put the centre, is ~15 m off.
    expect((57.735 + 173.205) / 2 - 100).toBeGreaterThan(15);
  });

  it('rows above the horizon or beyond the range are left out, the rest still drapes (transit view)', async () => {
    const { drapeGrid } = await import('./drape.ts');
    const g = drapeGrid({ lon, lat, altM: 110, pitchDeg: -20, yawDeg: 0, hfovDeg: 63, vfovDeg: 37.9 }, 8)!;
    expect(g.ground.slice(0, 9).every((p) => p === null)).toBe(true); // top row: the horizon
    expect(g.ground.slice(72).every((p) => p !== null)).toBe(true); // bottom row: near ground
  });
});
