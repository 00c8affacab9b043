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

/**
 * Categorical colours for the other families: Okabe–Ito hues (distinguishable with the common
 * colour-vision deficiencies), lightened where needed for the dark map. Never the only cue: every
 * class is also named in the legend and, where it matters, in the label on the map.
 */
export const OKABE = {
  sky: [86, 180, 233, 255] as Rgba,
  orange: [230, 159, 0, 255] as Rgba,
  vermillion: [213, 94, 0, 255] as Rgba,
  purple: [204, 121, 167, 255] as Rgba,
  green: [0, 158, 115, 255] as Rgba,
  yellow: [240, 228, 66, 255] as Rgba,
  blue: [0, 114, 178, 255] as Rgba,
};

/** Transit delay classes: on time (≤ 2 min late), 2–5 min late, more than 5 min late. */
export const DELAY_CLASSES: { maxSec: number; label: string; color: Rgba }[] = [
  { maxSec: 120, label: 'pünktlich (≤ 2 min)', color: OKABE.sky },
  { maxSec: 300, label: '2–5 min verspätet', color: OKABE.orange },
  { maxSec: Infinity, label: '> 5 min verspätet', color: OKABE.purple },
];
export function delayColor(delaySec: number | null): Rgba {
  if (delaySec === null) return NO_DATA;
  for (const c of DELAY_CLASSES) if (delaySec <= c.maxSec) return c.color;
  return DELAY_CLASSES[DELAY_CLASSES.length - 1]!.color;
}

export const PARKING_STATUS: Record<'spacesAvailable' | 'almostFull' | 'full' | 'closed' | 'statusUnknown', { label: string; color: Rgba }> = {
  spacesAvailable: { label: 'frei', color: OKABE.sky },
  almostFull: { label: 'fast voll', color: OKABE.orange },
  full: { label: 'voll', color: OKABE.purple },
  closed: { label: 'geschlossen', color: [70, 78, 92, 255] },
  statusUnknown: { label: 'unbekannt', color: NO_DATA },
};

/** Lighting cabinets: all lamps fine, some lamps faulty, cabinet fault / communication lost. */
export const CABINET_CLASSES = {
  ok: { label: 'in Ordnung', color: [120, 140, 165, 255] as Rgba },
  lamps: { label: 'Leuchten gestört', color: OKABE.orange },
  cabinet: { label: 'Schrankstörung / keine Verbindung', color: OKABE.purple },
};
export const LAMP_FAULT_COLOR: Rgba = OKABE.yellow;
export const LAMP_COLOR: Rgba = [150, 145, 125, 150];

export const ENV_KIND: Record<'air' | 'weather' | 'gauge' | 'shorepower', { label: string; color: Rgba }> = {
  air: { label: 'Luftmessstation', color: OKABE.green },
  weather: { label: 'Wetterstation', color: OKABE.sky },
  gauge: { label: 'Rheinpegel', color: OKABE.blue },
  shorepower: { label: 'Landstrom', color: OKABE.yellow },
};
/** A value over its limit: the marker gets this outline and the label says so. */
export const OVER_LIMIT: Rgba = [255, 107, 107, 255];

export const CONSTRUCTION_FILL: Rgba = [230, 159, 0, 40];
export const CONSTRUCTION_LINE: Rgba = [230, 159, 0, 230];
export const DRONE_COLOR: Rgba = [255, 255, 255, 255];
export const FOOTPRINT_FILL: Rgba = [240, 228, 66, 50];
export const FOOTPRINT_LINE: Rgba = [240, 228, 66, 220];
