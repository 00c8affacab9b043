/**
 * Marker shapes drawn once into a canvas (no image request: the page's CSP forbids fetching data:
 * URLs, and nothing should leave the origin anyway). White on transparent, used as masks so the
 * layers tint them with their class colours.
 */
type IconMapping = Record<string, { x: number; y: number; width: number; height: number; anchorX?: number; anchorY?: number; mask?: boolean }>;

const S = 64;
export const ICON_MAPPING: IconMapping = {
  /** A circle with a nose pointing up (north at angle 0): a vehicle heading somewhere. */
  arrow: { x: 0, y: 0, width: S, height: S, mask: true, anchorY: S / 2 },
  /** The same body without a nose: a vehicle without a known bearing. */
  dot: { x: S, y: 0, width: S, height: S, mask: true, anchorY: S / 2 },
  square: { x: 2 * S, y: 0, width: S, height: S, mask: true },
  /** A slim chevron for the drone. */
  chevron: { x: 3 * S, y: 0, width: S, height: S, mask: true },
};

let atlas: HTMLCanvasElement | null = null;

export function iconAtlas(): HTMLCanvasElement {
  if (atlas) return atlas;
  const c = document.createElement('canvas');
  c.width = 4 * S;
  c.height = S;
  const g = c.getContext('2d')!;
  g.fillStyle = '#fff';
  // arrow: body radius 20 around (32, 36), nose at (32, 4)
  g.beginPath();
  g.moveTo(32, 3);
  g.lineTo(48, 26);
  g.arc(32, 38, 20, -0.93, Math.PI + 0.93, false);
  g.closePath();
  g.fill();
  // dot
  g.beginPath();
  g.arc(S + 32, 38, 20, 0, 2 * Math.PI);
  g.fill();
  // square
  g.fillRect(2 * S + 10, 10, 44, 44);
  // chevron
  g.beginPath();
  g.moveTo(3 * S + 32, 2);
  g.lineTo(3 * S + 58, 60);
  g.lineTo(3 * S + 32, 46);
  g.lineTo(3 * S + 6, 60);
  g.closePath();
  g.fill();
  atlas = c;
  return c;
}
