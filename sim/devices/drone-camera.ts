/**
 * The simulated drone's camera: renders what a camera at the drone's pose would see of the city
 * model, into an RGBA buffer, in plain TypeScript (no browser, no GPU), and encodes it as JPEG
 * with sharp (libvips).
 *
 * Scene, in a local east-north-up frame in metres around a fixed origin (the city centre):
 * - ground: a procedural city of blocks (roofs, yards, parks), hazed with distance, sky above the
 *   horizon;
 * - the Rhine and the modelled road network (sim/city/duisburg.ts LINKS), as ground quads;
 * - vehicles on the links: spaced by the link's running speed and queued at the stop line from the
 *   traffic model (TrafficView), moving with model time;
 * - fire and a drifting smoke plume at the incident.
 * - a HUD line (drone, time, pose) in a 3x5 bitmap font, and a centre mark.
 *
 * Camera model: pinhole with the pose of protocol/drone.ts (pitch 0 = horizon, -90 = nadir; yaw
 * clockwise from north), the same basis as src/lib/map/footprint.ts so the picture drapes onto the
 * footprint the map draws. Rendering is per row: a ground ray's depth depends only on the image row
 * (the camera does not roll), so the ground pass costs a few additions per pixel.
 *
 * Speed: render at a reduced size (default 640x360) and let libvips upscale to the output size.
 */
import sharp from 'sharp';
import { CITY_CENTRE, INTERSECTIONS, LINKS, RHINE_CENTRELINE } from '../city/duisburg.ts';
import type { Intersection, Link, LngLat } from '../city/types.ts';

const RAD = Math.PI / 180;
const R_EARTH = 6_371_008.8;

export interface CameraPose {
  lon: number;
  lat: number;
  altM: number;
  headingDeg: number;
  pitchDeg: number;
  yawDeg: number;
  hfovDeg: number;
  vfovDeg: number;
}

/** What the traffic model can tell the camera (sim/traffic/model.ts TrafficView). */
export interface TrafficLook {
  linkSpeedKmh(linkId: string): number;
  queueVeh(intersectionId: string, approachId: string): number;
}

export interface CameraScene {
  links?: readonly Link[];
  intersections?: readonly Intersection[];
  traffic?: TrafficLook | null;
  incident?: { lon: number; lat: number } | null;
}

export interface HudInfo {
  droneId: string;
  frameNo: number;
  tsMs: number;
}

type Vec3 = [number, number, number];

interface Segment {
  linkId: string;
  ax: number;
  ay: number;
  bx: number;
  by: number;
  lenM: number;
  /** Distance from the link's start to this segment's start. */
  startM: number;
  widthM: number;
}

interface PreparedLink {
  id: string;
  segments: Segment[];
  lengthM: number;
  widthM: number;
  /** Intersection and approach the link feeds (for its queue), if modelled. */
  queueAt: { x: string; a: string } | null;
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  hash: number;
}

const ORIGIN = CITY_CENTRE;
const COS0 = Math.cos(ORIGIN[1] * RAD);
const toXY = (p: LngLat | { lon: number; lat: number }): [number, number] => {
  const lon = 'lon' in p ? p.lon : p[0];
  const lat = 'lat' in p ? p.lat : p[1];
  return [(lon - ORIGIN[0]) * RAD * R_EARTH * COS0, (lat - ORIGIN[1]) * RAD * R_EARTH];
};

function hash2(x: number, y: number): number {
  let h = Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}
function hashStr(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function prepareLinks(links: readonly Link[], intersections: readonly Intersection[]): PreparedLink[] {
  const feeds = new Map<string, { x: string; a: string }>();
  for (const x of intersections) for (const a of x.approaches) if (a.fromLink) feeds.set(a.fromLink, { x: x.id, a: a.id });
  return links.map((l) => {
    const widthM = Math.max(6, l.lanes * 3.3) + (l.roadClass === 'motorway' ? 6 : 0);
    const pts = l.geometry.map(toXY);
    const segments: Segment[] = [];
    let acc = 0;
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let i = 0; i + 1 < pts.length; i++) {
      const [ax, ay] = pts[i]!;
      const [bx, by] = pts[i + 1]!;
      const lenM = Math.hypot(bx - ax, by - ay);
      if (lenM < 0.5) continue;
      segments.push({ linkId: l.id, ax, ay, bx, by, lenM, startM: acc, widthM });
      acc += lenM;
      minX = Math.min(minX, ax, bx);
      minY = Math.min(minY, ay, by);
      maxX = Math.max(maxX, ax, bx);
      maxY = Math.max(maxY, ay, by);
    }
    return { id: l.id, segments, lengthM: acc, widthM, queueAt: feeds.get(l.id) ?? null, minX, minY, maxX, maxY, hash: hashStr(l.id) };
  });
}

const RHINE_XY = RHINE_CENTRELINE.map(toXY);
/** Roof tones: brick, slate, weathered copper, gravel, concrete, dark tile. */
const ROOF_R = Uint8Array.from([150, 122, 95, 168, 132, 110]);
const ROOF_G = Uint8Array.from([88, 110, 98, 160, 128, 72]);
const ROOF_B = Uint8Array.from([72, 104, 104, 150, 120, 58]);
const RHINE_WIDTH_M = 350;

// ---- 3x5 bitmap font for the HUD --------------------------------------------------------------------
const GLYPHS: Record<string, string> = {
  '0': '111101101101111', '1': '010110010010111', '2': '111001111100111', '3': '111001111001111', '4': '101101111001001',
  '5': '111100111001111', '6': '111100111101111', '7': '111001001001001', '8': '111101111101111', '9': '111101111001111',
  A: '010101111101101', B: '110101110101110', C: '011100100100011', D: '110101101101110', E: '111100110100111',
  F: '111100110100100', G: '011100101101011', H: '101101111101101', I: '111010010010111', J: '001001001101010',
  K: '101101110101101', L: '100100100100111', M: '101111111101101', N: '110101101101101', O: '010101101101010',
  P: '110101110100100', Q: '010101101110011', R: '110101110101101', S: '011100010001110', T: '111010010010010',
  U: '101101101101111', V: '101101101101010', W: '101101111111101', X: '101101010101101', Y: '101101010010010',
  Z: '111001010100111', '-': '000000111000000', '.': '000000000000010', ':': '000010000010000', '/': '001001010100100',
  ' ': '000000000000000', '#': '101111101111101', '%': '101001010100101', '+': '000010111010000', '_': '000000000000111',
};
const GLYPH_BITS = new Map(Object.entries(GLYPHS).map(([k, v]) => [k, parseInt(v, 2)]));

/** A camera that renders into one reusable buffer (hot path: no per-frame allocation of pixels). */
export class DroneCamera {
  readonly width: number;
  readonly height: number;
  readonly outWidth: number;
  readonly outHeight: number;
  readonly quality: number;
  readonly rgba: Uint8Array;
  readonly #px32: Uint32Array;
  readonly #roofRow = new Uint32Array(6);
  readonly #links: PreparedLink[];
  readonly #scene: CameraScene;
  /** Per-row depth to the ground (m along the ray per unit ray length), reused. */
  readonly #rowT: Float64Array;
  // Camera basis of the current frame.
  #f: Vec3 = [0, 1, 0];
  #r: Vec3 = [1, 0, 0];
  #u: Vec3 = [0, 0, 1];
  #tx = 1;
  #ty = 1;
  #cx = 0;
  #cy = 0;
  #cz = 100;

  constructor(opts: { width?: number; height?: number; renderScale?: number; quality?: number; scene?: CameraScene } = {}) {
    this.outWidth = opts.width ?? 1280;
    this.outHeight = opts.height ?? 720;
    const scale = opts.renderScale ?? 0.5;
    this.width = Math.max(16, Math.round(this.outWidth * scale));
    this.height = Math.max(9, Math.round(this.outHeight * scale));
    this.quality = opts.quality ?? 72;
    this.rgba = new Uint8Array(this.width * this.height * 4);
    this.#px32 = new Uint32Array(this.rgba.buffer);
    this.#rowT = new Float64Array(this.height);
    this.#scene = opts.scene ?? {};
    this.#links = prepareLinks(this.#scene.links ?? LINKS, this.#scene.intersections ?? INTERSECTIONS);
  }

  /** Renders the view at `pose` and model time `modelMs` into `rgba`. */
  render(pose: CameraPose, modelMs: number, hud?: HudInfo): Uint8Array {
    this.#setPose(pose);
    this.#ground();
    this.#rhine();
    this.#roads();
    this.#vehicles(modelMs);
    if (this.#scene.incident) this.#fire(this.#scene.incident, modelMs);
    this.#overlay(pose, hud);
    return this.rgba;
  }

  /** Render + JPEG at the output size (libvips upscales; it runs off the JS thread). */
  async frame(pose: CameraPose, modelMs: number, hud?: HudInfo): Promise<Buffer> {
    this.render(pose, modelMs, hud);
    let img = sharp(this.rgba, { raw: { width: this.width, height: this.height, channels: 4 } }).removeAlpha();
    if (this.width !== this.outWidth || this.height !== this.outHeight) img = img.resize(this.outWidth, this.outHeight, { kernel: 'nearest' });
    return img.jpeg({ quality: this.quality, chromaSubsampling: '4:2:0' }).toBuffer();
  }

  /** Pixel (x right, y down, in render pixels) and depth of a world point seen from `pose`. */
  project(pose: CameraPose, lon: number, lat: number, heightM = 0): [number, number, number] {
    this.#setPose(pose);
    const [x, y] = toXY({ lon, lat });
    const out = new Float64Array(3);
    this.#project(x, y, heightM, out, 0);
    return [out[0]!, out[1]!, out[2]!];
  }

  setIncident(incident: { lon: number; lat: number } | null): void {
    this.#scene.incident = incident;
  }

  // ---- camera -------------------------------------------------------------------------------------

  #setPose(p: CameraPose): void {
    const th = p.pitchDeg * RAD;
    const ps = p.yawDeg * RAD;
    // Same basis as src/lib/map/footprint.ts: forward, right, up (image top), east-north-up.
    this.#f = [Math.sin(ps) * Math.cos(th), Math.cos(ps) * Math.cos(th), Math.sin(th)];
    this.#r = [Math.cos(ps), -Math.sin(ps), 0];
    this.#u = [-Math.sin(ps) * Math.sin(th), -Math.cos(ps) * Math.sin(th), Math.cos(th)];
    this.#tx = Math.tan((p.hfovDeg / 2) * RAD);
    this.#ty = Math.tan((p.vfovDeg / 2) * RAD);
    const [x, y] = toXY(p);
    this.#cx = x;
    this.#cy = y;
    this.#cz = Math.max(1, p.altM);
  }

  /** World point (m, origin frame, z up) -> pixel x, y and depth; depth <= 0 behind the camera. */
  #project(x: number, y: number, z: number, out: Float64Array, o: number): void {
    const dx = x - this.#cx;
    const dy = y - this.#cy;
    const dz = z - this.#cz;
    const f = this.#f;
    const r = this.#r;
    const u = this.#u;
    const zc = dx * f[0] + dy * f[1] + dz * f[2];
    const xc = dx * r[0] + dy * r[1];
    const yc = dx * u[0] + dy * u[1] + dz * u[2];
    out[o] = ((xc / (zc * this.#tx) + 1) / 2) * this.width;
    out[o + 1] = ((1 - yc / (zc * this.#ty)) / 2) * this.height;
    out[o + 2] = zc;
  }

  // ---- ground ---------------------------------------------------------------------------------------

  #ground(): void {
    const W = this.width;
    const H = this.height;
    const px = this.rgba;
    const f = this.#f;
    const r = this.#r;
    const u = this.#u;
    const tx = this.#tx;
    const ty = this.#ty;
    const alt = this.#cz;
    const BLOCK = 72;
    for (let row = 0; row < H; row++) {
      const sy = 1 - ((row + 0.5) / H) * 2;
      // Ray of the row's left edge and its step per column; z does not change along a row.
      const rz = f[2] + u[2] * ty * sy;
      let o = row * W * 4;
      if (rz > -0.02) {
        // Sky (and the very far ground as haze): a vertical gradient.
        const k = Math.min(1, Math.max(0, (rz + 0.02) * 4));
        const R = 196 - 70 * k;
        const G = 208 - 50 * k;
        const B = 220 - 10 * k;
        for (let col = 0; col < W; col++, o += 4) {
          px[o] = R;
          px[o + 1] = G;
          px[o + 2] = B;
          px[o + 3] = 255;
        }
        this.#rowT[row] = Infinity;
        continue;
      }
      const t = alt / -rz;
      this.#rowT[row] = t;
      const haze = Math.min(0.85, t / 4500);
      const keep = 1 - haze;
      const hR = 190 * haze;
      const hG = 200 * haze;
      const hB = 212 * haze;
      const sx0 = -1 + 1 / W;
      const dsx = 2 / W;
      let gx = this.#cx + t * (f[0] + r[0] * tx * sx0 + u[0] * ty * sy);
      let gy = this.#cy + t * (f[1] + r[1] * tx * sx0 + u[1] * ty * sy);
      const dgx = t * r[0] * tx * dsx;
      const dgy = t * r[1] * tx * dsx;
      // Colours of this row's haze level, one 32-bit pixel each (little-endian RGBA -> ABGR word).
      const pack = (R: number, G: number, B: number) => (0xff000000 | ((B * keep + hB) << 16) | ((G * keep + hG) << 8) | (R * keep + hR)) >>> 0;
      const cStreet = pack(120, 122, 118);
      const cGrass = pack(86, 128, 70);
      const cTree = pack(52, 92, 48);
      const cEdge = pack(150, 146, 132);
      const roofs = this.#roofRow;
      for (let i = 0; i < ROOF_R.length; i++) roofs[i] = pack(ROOF_R[i]!, ROOF_G[i]!, ROOF_B[i]!);
      let lastBx = NaN;
      let lastBy = NaN;
      let h = 0;
      let split = 0;
      let park = false;
      let p32 = row * W;
      const out = this.#px32;
      for (let col = 0; col < W; col++, p32++, gx += dgx, gy += dgy) {
        const bx = Math.floor(gx / BLOCK);
        const by = Math.floor(gy / BLOCK);
        if (bx !== lastBx || by !== lastBy) {
          lastBx = bx;
          lastBy = by;
          h = hash2(bx, by);
          park = h % 9 === 0;
          split = 27 + ((h >>> 4) % 3) * 12;
        }
        const lx = gx - bx * BLOCK;
        const ly = gy - by * BLOCK;
        if (lx < 9 || ly < 9) out[p32] = cStreet;
        else if (park) out[p32] = hash2(Math.floor(gx / 9), Math.floor(gy / 9)) % 5 === 0 ? cTree : cGrass;
        else if (Math.abs(lx - split) < 2.5 || Math.abs(ly - split) < 2.5 || lx > BLOCK - 3 || ly > BLOCK - 3) out[p32] = cEdge;
        else out[p32] = roofs[hash2(bx * 2 + (lx < split ? 0 : 1), by * 2 + (ly < split ? 0 : 1)) % 6]!;
      }
    }
  }

  // ---- ground quads (river, roads, vehicles, fire) --------------------------------------------------

  readonly #q = new Float64Array(3 * 16);
  readonly #poly = new Float64Array(2 * 16);

  /**
   * Fills the ground quad (four world points at height z) in one colour with alpha; clipped at a
   * near plane in camera space, then scan-converted (convex polygons only).
   */
  #fillQuad(xs: readonly number[], ys: readonly number[], z: number, R: number, G: number, B: number, A = 1, hazeOn = true): void {
    const q = this.#q;
    for (let i = 0; i < 4; i++) this.#project(xs[i]!, ys[i]!, z, q, i * 3);
    // Clip against depth > NEAR (Sutherland-Hodgman on one plane) in projected terms: recompute
    // the crossing in world space for accuracy.
    const NEAR = 2;
    const poly = this.#poly;
    let n = 0;
    let far = 0;
    for (let i = 0; i < 4; i++) {
      const j = (i + 1) % 4;
      const zi = q[i * 3 + 2]!;
      const zj = q[j * 3 + 2]!;
      if (zi > NEAR) {
        poly[n * 2] = q[i * 3]!;
        poly[n * 2 + 1] = q[i * 3 + 1]!;
        n++;
        far = Math.max(far, zi);
      }
      if (zi > NEAR !== zj > NEAR) {
        const s = (NEAR - zi) / (zj - zi);
        const wx = xs[i]! + (xs[j]! - xs[i]!) * s;
        const wy = ys[i]! + (ys[j]! - ys[i]!) * s;
        this.#project(wx, wy, z, q, 12 * 3);
        poly[n * 2] = q[36]!;
        poly[n * 2 + 1] = q[37]!;
        n++;
      }
    }
    if (n < 3) return;
    if (hazeOn) {
      const haze = Math.min(0.85, far / 4500);
      R = R * (1 - haze) + 190 * haze;
      G = G * (1 - haze) + 200 * haze;
      B = B * (1 - haze) + 212 * haze;
    }
    this.#fillPoly(poly, n, R, G, B, A);
  }

  #fillPoly(poly: Float64Array, n: number, R: number, G: number, B: number, A: number): void {
    const W = this.width;
    const H = this.height;
    let minY = Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      minY = Math.min(minY, poly[i * 2 + 1]!);
      maxY = Math.max(maxY, poly[i * 2 + 1]!);
    }
    const y0 = Math.max(0, Math.ceil(minY - 0.5));
    const y1 = Math.min(H - 1, Math.floor(maxY - 0.5));
    if (y0 > y1) return;
    const px = this.rgba;
    const inv = 1 - A;
    for (let y = y0; y <= y1; y++) {
      const yc = y + 0.5;
      let xl = Infinity;
      let xr = -Infinity;
      for (let i = 0; i < n; i++) {
        const j = (i + 1) % n;
        const ya = poly[i * 2 + 1]!;
        const yb = poly[j * 2 + 1]!;
        if ((ya <= yc && yb > yc) || (yb <= yc && ya > yc)) {
          const x = poly[i * 2]! + ((yc - ya) / (yb - ya)) * (poly[j * 2]! - poly[i * 2]!);
          if (x < xl) xl = x;
          if (x > xr) xr = x;
        }
      }
      if (!(xr >= xl)) continue;
      const a = Math.max(0, Math.ceil(xl - 0.5));
      const b = Math.min(W - 1, Math.floor(xr - 0.5));
      let o = (y * W + a) * 4;
      if (A >= 1) {
        for (let x = a; x <= b; x++, o += 4) {
          px[o] = R;
          px[o + 1] = G;
          px[o + 2] = B;
        }
      } else {
        for (let x = a; x <= b; x++, o += 4) {
          px[o] = px[o]! * inv + R * A;
          px[o + 1] = px[o + 1]! * inv + G * A;
          px[o + 2] = px[o + 2]! * inv + B * A;
        }
      }
    }
  }

  readonly #xs = [0, 0, 0, 0];
  readonly #ys = [0, 0, 0, 0];

  /** A ground band of `widthM` along a->b (a road segment, a vehicle, the river). */
  #band(ax: number, ay: number, bx: number, by: number, widthM: number, z: number, R: number, G: number, B: number, A = 1): void {
    const len = Math.hypot(bx - ax, by - ay);
    if (len < 1e-6) return;
    const nx = (-(by - ay) / len) * (widthM / 2);
    const ny = ((bx - ax) / len) * (widthM / 2);
    const xs = this.#xs;
    const ys = this.#ys;
    xs[0] = ax + nx;
    ys[0] = ay + ny;
    xs[1] = bx + nx;
    ys[1] = by + ny;
    xs[2] = bx - nx;
    ys[2] = by - ny;
    xs[3] = ax - nx;
    ys[3] = ay - ny;
    this.#fillQuad(xs, ys, z, R, G, B, A);
  }

  /** Rough visibility test: the area the camera can see, as a radius around the footprint centre. */
  #viewCentreAndRadius(): [number, number, number] {
    const alt = this.#cz;
    const f = this.#f;
    // Where the optical axis meets the ground (or 3 km ahead when it does not).
    const t = f[2] < -0.05 ? Math.min(3000, alt / -f[2]) : 3000;
    const cx = this.#cx + f[0] * t;
    const cy = this.#cy + f[1] * t;
    const span = Math.max(t, alt) * Math.max(this.#tx, this.#ty) * 3 + 200;
    return [cx, cy, Math.min(6000, span)];
  }

  #rhine(): void {
    const [vx, vy, vr] = this.#viewCentreAndRadius();
    for (let i = 0; i + 1 < RHINE_XY.length; i++) {
      const [ax, ay] = RHINE_XY[i]!;
      const [bx, by] = RHINE_XY[i + 1]!;
      if (segDist(vx, vy, ax, ay, bx, by) > vr + RHINE_WIDTH_M) continue;
      this.#band(ax, ay, bx, by, RHINE_WIDTH_M, 0, 58, 92, 112);
      // Round the joints so consecutive bands meet without gaps.
      this.#band(bx - 1, by, bx + 1, by, RHINE_WIDTH_M, 0, 58, 92, 112);
    }
  }

  #roads(): void {
    const [vx, vy, vr] = this.#viewCentreAndRadius();
    for (const l of this.#links) {
      if (l.maxX < vx - vr || l.minX > vx + vr || l.maxY < vy - vr || l.minY > vy + vr) continue;
      for (const s of l.segments) {
        this.#band(s.ax, s.ay, s.bx, s.by, s.widthM + 3, 0, 150, 150, 144);
      }
    }
    for (const l of this.#links) {
      if (l.maxX < vx - vr || l.minX > vx + vr || l.maxY < vy - vr || l.minY > vy + vr) continue;
      for (const s of l.segments) {
        this.#band(s.ax, s.ay, s.bx, s.by, s.widthM, 0, 64, 66, 70);
        if (s.widthM >= 9) this.#band(s.ax, s.ay, s.bx, s.by, 0.5, 0, 210, 210, 200);
      }
    }
  }

  #vehicles(modelMs: number): void {
    const [vx, vy, vr] = this.#viewCentreAndRadius();
    const traffic = this.#scene.traffic;
    const tSec = modelMs / 1000;
    for (const l of this.#links) {
      if (l.maxX < vx - vr || l.minX > vx + vr || l.maxY < vy - vr || l.minY > vy + vr) continue;
      if (l.lengthM < 20) continue;
      const speedKmh = traffic ? traffic.linkSpeedKmh(l.id) : 40;
      const speedMs = Math.max(0, speedKmh / 3.6);
      // Moving traffic: headway ~2.5 s plus gaps, at least 12 m apart (a light-traffic look).
      const gapM = Math.max(12, speedMs * 2.5) * (1.6 + (l.hash % 7) / 5);
      const queue = traffic && l.queueAt ? Math.min(60, traffic.queueVeh(l.queueAt.x, l.queueAt.a)) : 0;
      const queueM = queue * 7;
      const phase = (l.hash % 1000) / 1000;
      const offset = (tSec * speedMs + phase * gapM) % gapM;
      // Lane offset to the right of the direction of travel: a link is one direction.
      const laneShift = -Math.max(1.8, l.widthM / 4);
      let k = 0;
      for (let d = offset; d < l.lengthM - queueM - 4; d += gapM, k++) this.#vehicleAt(l, d, laneShift, l.hash + k);
      for (let i = 0; i < queue; i++) {
        const d = l.lengthM - 4 - i * 7;
        if (d < 3) break;
        this.#vehicleAt(l, d, laneShift, l.hash ^ (i * 7919));
      }
    }
  }

  #vehicleAt(l: PreparedLink, distM: number, shiftM: number, hash: number): void {
    const h = hash >>> 0; // callers mix hashes with XOR: keep the index non-negative
    let s: Segment | undefined;
    for (const seg of l.segments) {
      if (distM <= seg.startM + seg.lenM) {
        s = seg;
        break;
      }
    }
    if (!s) return;
    const k = (distM - s.startM) / s.lenM;
    const dx = (s.bx - s.ax) / s.lenM;
    const dy = (s.by - s.ay) / s.lenM;
    const x = s.ax + (s.bx - s.ax) * k - dy * shiftM;
    const y = s.ay + (s.by - s.ay) * k + dx * shiftM;
    const big = h % 11 === 0; // a bus or a lorry now and then
    const half = big ? 6 : 2.3;
    const colours = [
      [230, 230, 226],
      [30, 32, 36],
      [160, 30, 28],
      [40, 70, 140],
      [190, 190, 196],
      [120, 124, 128],
    ] as const;
    const c = big ? ([240, 200, 40] as const) : colours[h % colours.length]!;
    this.#band(x - dx * half, y - dy * half, x + dx * half, y + dy * half, big ? 2.6 : 1.9, 0, c[0], c[1], c[2]);
  }

  readonly #pp = new Float64Array(3);

  #fire(inc: { lon: number; lat: number }, modelMs: number): void {
    const [ix, iy] = toXY(inc);
    const t = modelMs / 1000;
    // The burning building: a dark scorched roof, flames flickering on it.
    this.#band(ix - 22, iy, ix + 22, iy, 30, 0, 46, 40, 36);
    for (let i = 0; i < 14; i++) {
      const h = hash2(i, 77);
      const fx = ix - 18 + (h % 36);
      const fy = iy - 12 + ((h >>> 8) % 24);
      const flick = 0.5 + 0.5 * Math.sin(t * (6 + (h % 5)) + i);
      const size = 2 + 3 * flick;
      const hot = (h >>> 16) % 3 === 0;
      this.#band(fx - size, fy, fx + size, fy, size * 1.4, 0, 255, hot ? 220 : 120 + 60 * flick, hot ? 90 : 20);
    }
    // Smoke: puffs rising and drifting downwind (wind from the south-west), older puffs larger and
    // fainter; seen from above they trail across the ground.
    const windX = 0.75;
    const windY = 0.55;
    const p = this.#pp;
    const PUFFS = 28;
    for (let i = 0; i < PUFFS; i++) {
      const life = 40;
      const age = (t * 2 + (i * life) / PUFFS) % life; // s
      const h = hash2(i, 5);
      const rise = age * 2.2;
      const drift = age * 3.2;
      const wob = Math.sin(age * 0.7 + i) * 4;
      const x = ix + windX * drift + ((h % 13) - 6) + wob * windY;
      const y = iy + windY * drift + (((h >>> 8) % 13) - 6) - wob * windX;
      const z = 4 + rise;
      this.#project(x, y, z, p, 0);
      if (p[2]! < 5) continue;
      const radiusM = 5 + age * 1.4;
      const rPx = (radiusM / (p[2]! * this.#tx)) * (this.width / 2);
      const alpha = 0.7 * (1 - age / life);
      const g = 70 + age * 2.5;
      this.#disc(p[0]!, p[1]!, rPx, g, g, g + 4, alpha);
    }
  }

  #disc(cx: number, cy: number, rad: number, R: number, G: number, B: number, A: number): void {
    if (rad < 0.5 || A <= 0) return;
    const W = this.width;
    const H = this.height;
    const y0 = Math.max(0, Math.floor(cy - rad));
    const y1 = Math.min(H - 1, Math.ceil(cy + rad));
    const px = this.rgba;
    const inv2 = 1 / (rad * rad);
    for (let y = y0; y <= y1; y++) {
      const dy = y + 0.5 - cy;
      const half = Math.sqrt(Math.max(0, rad * rad - dy * dy));
      const a = Math.max(0, Math.ceil(cx - half));
      const b = Math.min(W - 1, Math.floor(cx + half));
      let o = (y * W + a) * 4;
      for (let x = a; x <= b; x++, o += 4) {
        // Soft edge: alpha falls off towards the rim.
        const dx = x + 0.5 - cx;
        const k = A * (1 - (dx * dx + dy * dy) * inv2);
        if (k <= 0) continue;
        px[o] = px[o]! * (1 - k) + R * k;
        px[o + 1] = px[o + 1]! * (1 - k) + G * k;
        px[o + 2] = px[o + 2]! * (1 - k) + B * k;
      }
    }
  }

  // ---- HUD ---------------------------------------------------------------------------------------------

  #overlay(p: CameraPose, hud?: HudInfo): void {
    const W = this.width;
    const H = this.height;
    const scale = Math.max(1, Math.round(W / 400));
    // Centre mark.
    const cx = W >> 1;
    const cy = H >> 1;
    const arm = 6 * scale;
    this.#rect(cx - arm, cy, arm - 2 * scale, scale, 255, 255, 255);
    this.#rect(cx + 2 * scale, cy, arm - 2 * scale, scale, 255, 255, 255);
    this.#rect(cx, cy - arm, scale, arm - 2 * scale, 255, 255, 255);
    this.#rect(cx, cy + 2 * scale, scale, arm - 2 * scale, 255, 255, 255);
    if (!hud) return;
    const d = new Date(hud.tsMs);
    const two = (n: number) => String(n).padStart(2, '0');
    const time = `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}Z`;
    const line1 = `${hud.droneId.toUpperCase()}  ${time}  #${hud.frameNo}`;
    const line2 = `ALT ${p.altM.toFixed(0)}M  HDG ${p.headingDeg.toFixed(0)}  CAM ${p.pitchDeg.toFixed(0)}/${p.yawDeg.toFixed(0)}  ${p.lat.toFixed(5)}N ${p.lon.toFixed(5)}E`;
    const lh = 7 * scale;
    this.#rect(0, 0, W, lh * 2 + 3 * scale, 0, 0, 0, 0.45);
    this.#text(line1, 2 * scale, 2 * scale, scale);
    this.#text(line2, 2 * scale, 2 * scale + lh, scale);
  }

  #rect(x: number, y: number, w: number, h: number, R: number, G: number, B: number, A = 1): void {
    const W = this.width;
    const x0 = Math.max(0, x);
    const x1 = Math.min(W, x + w);
    const y0 = Math.max(0, y);
    const y1 = Math.min(this.height, y + h);
    const px = this.rgba;
    for (let yy = y0; yy < y1; yy++) {
      let o = (yy * W + x0) * 4;
      for (let xx = x0; xx < x1; xx++, o += 4) {
        px[o] = px[o]! * (1 - A) + R * A;
        px[o + 1] = px[o + 1]! * (1 - A) + G * A;
        px[o + 2] = px[o + 2]! * (1 - A) + B * A;
      }
    }
  }

  #text(s: string, x: number, y: number, scale: number): void {
    for (let i = 0; i < s.length; i++) {
      const bits = GLYPH_BITS.get(s[i]!.toUpperCase()) ?? 0;
      const gx = x + i * 4 * scale;
      if (gx + 3 * scale > this.width) return;
      for (let b = 0; b < 15; b++) {
        if (!(bits & (1 << (14 - b)))) continue;
        const row = Math.floor(b / 3);
        const col = b % 3;
        this.#rect(gx + col * scale, y + row * scale, scale, scale, 255, 255, 255);
      }
    }
  }
}

function segDist(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const l2 = dx * dx + dy * dy;
  const k = l2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / l2));
  return Math.hypot(px - ax - k * dx, py - ay - k * dy);
}
