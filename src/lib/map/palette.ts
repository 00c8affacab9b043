/**
 * Colour scales. Sequential scales are viridis samples: perceptually uniform and readable for the
 * common colour-vision deficiencies, on the dark theme as on the light one.
 */
export type Rgba = [number, number, number, number];

/** Upper bounds (veh/h, whole installation) of each flow class and their colours. */
export const FLOW_CLASSES: { maxVehH: number; label: string; color: Rgba }[] = [
  { maxVehH: 600, label: '< 600', color: [59, 82, 139, 255] },
  { maxVehH: 1200, label: '600–1200', color: [33, 145, 140, 255] },
  { maxVehH: 2000, label: '1200–2000', color: [94, 201, 98, 255] },
  { maxVehH: 3000, label: '2000–3000', color: [189, 223, 38, 255] },
  { maxVehH: Infinity, label: '≥ 3000', color: [253, 231, 37, 255] },
];
export const NO_DATA: Rgba = [110, 120, 135, 200];

export function flowColor(flowVehH: number | null): Rgba {
  if (flowVehH === null) return NO_DATA;
  for (const c of FLOW_CLASSES) if (flowVehH < c.maxVehH) return c.color;
  return FLOW_CLASSES[FLOW_CLASSES.length - 1]!.color;
}

export const rgbaCss = ([r, g, b, a]: Rgba) => `rgba(${r}, ${g}, ${b}, ${a / 255})`;

/** Outline of a device whose link is lost (an alarm is active for it). */
export const LOST_OUTLINE: Rgba = [255, 107, 107, 255];

/** Alarm priorities: distinguishable by hue and lightness, and always shown with their name too. */
export const PRIORITY_COLOR = {
  high: '#ff6b6b',
  medium: '#f2b13a',
  low: '#6cb6ff',
  diagnostic: '#9aa6b8',
} as const;
