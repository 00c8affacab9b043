/**
 * Perspective-correct draping: the frame warped onto a north-up ground rectangle, cell by cell of a
 * drapeGrid (each cell two triangles, each drawn with its own affine transform and clip), so the
 * map can show it as a plain rectangular BitmapLayer. Browser only (OffscreenCanvas).
 */
import type { DrapeGrid } from './drape.ts';

export interface Warped {
  image: ImageBitmap;
  /** [minLon, minLat, maxLon, maxLat] */
  bounds: [number, number, number, number];
}

/** Longest side of the warped picture, px (the drape is a map overlay, not the full-resolution view). */
export const WARP_MAX_PX = 1024;

export function warpToGround(src: ImageBitmap, grid: DrapeGrid, maxPx = WARP_MAX_PX): Warped | null {
  const [minLon, minLat, maxLon, maxLat] = grid.bbox;
  const cosLat = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const wM = (maxLon - minLon) * cosLat;
  const hM = maxLat - minLat;
  const scale = maxPx / Math.max(wM, hM);
  const W = Math.max(2, Math.round(wM * scale));
  const H = Math.max(2, Math.round(hM * scale));
  const canvas = new OffscreenCanvas(W, H);
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  const X = (lon: number) => ((lon - minLon) / (maxLon - minLon)) * W;
  const Y = (lat: number) => ((maxLat - lat) / (maxLat - minLat)) * H;
  const n = grid.n;
  const sw = src.width / n;
  const sh = src.height / n;
  const at = (i: number, j: number) => grid.ground[j * (n + 1) + i];
  const tri = (s: number[], d: number[]) => {
    // Affine map taking source triangle s to destination d (canvas: x' = a x + c y + e, y' = b x + d y + f).
    const [sx0, sy0, sx1, sy1, sx2, sy2] = s as [number, number, number, number, number, number];
    const [dx0, dy0, dx1, dy1, dx2, dy2] = d as [number, number, number, number, number, number];
    const a1 = sx1 - sx0, b1 = sy1 - sy0, c1 = sx2 - sx0, d1 = sy2 - sy0;
    const det = a1 * d1 - b1 * c1;
    if (Math.abs(det) < 1e-9) return;
    const e1 = dx1 - dx0, f1 = dy1 - dy0, g1 = dx2 - dx0, h1 = dy2 - dy0;
    const m11 = (e1 * d1 - g1 * b1) / det;
    const m12 = (g1 * a1 - e1 * c1) / det;
    const m21 = (f1 * d1 - h1 * b1) / det;
    const m22 = (h1 * a1 - f1 * c1) / det;
    const tx = dx0 - m11 * sx0 - m12 * sy0;
    const ty = dy0 - m21 * sx0 - m22 * sy0;
    // Clip slightly beyond the triangle (from its centroid) so neighbours meet without hairline seams.
    const cx = (dx0 + dx1 + dx2) / 3;
    const cy = (dy0 + dy1 + dy2) / 3;
    const grow = (x: number, y: number): [number, number] => {
      const l = Math.hypot(x - cx, y - cy) || 1;
      return [x + ((x - cx) / l) * 0.75, y + ((y - cy) / l) * 0.75];
    };
    ctx.save();
    ctx.beginPath();
    ctx.moveTo(...grow(dx0, dy0));
    ctx.lineTo(...grow(dx1, dy1));
    ctx.lineTo(...grow(dx2, dy2));
    ctx.closePath();
    ctx.clip();
    ctx.setTransform(m11, m21, m12, m22, tx, ty);
    ctx.drawImage(src, 0, 0);
    ctx.restore();
  };
  let drawn = 0;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const p00 = at(i, j), p10 = at(i + 1, j), p01 = at(i, j + 1), p11 = at(i + 1, j + 1);
      if (!p00 || !p10 || !p01 || !p11) continue;
      const s00 = [i * sw, j * sh], s10 = [(i + 1) * sw, j * sh], s01 = [i * sw, (j + 1) * sh], s11 = [(i + 1) * sw, (j + 1) * sh];
      const d00 = [X(p00[0]), Y(p00[1])], d10 = [X(p10[0]), Y(p10[1])], d01 = [X(p01[0]), Y(p01[1])], d11 = [X(p11[0]), Y(p11[1])];
      tri([...s00, ...s10, ...s11], [...d00, ...d10, ...d11]);
      tri([...s00, ...s11, ...s01], [...d00, ...d11, ...d01]);
      drawn++;
    }
  }
  if (drawn === 0) return null;
  return { image: canvas.transferToImageBitmap(), bounds: [minLon, minLat, maxLon, maxLat] };
}
