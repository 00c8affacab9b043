/**
 * Colour scales. Sequential scales are viridis samples (van der Walt & Smith 2015): perceptually
 * uniform, monotonic in lightness and readable with the common colour-vision deficiencies;
 * categorical classes are Okabe–Ito hues (Okabe & Ito 2008, "Color Universal Design"). Every class
 * also has a name (legend, label, list), so colour is never the only cue (WCAG 2.2 SC 1.4.1).
 * Labels are i18n keys (src/lib/i18n). The map's neutral "ink" (outlines, label text and halo,
 * the drone) depends on the base map: `MAP_INK[theme]`.
 */
import type { MessageKey } from '../i18n/de.ts';

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

/**
 * Alarm priorities, Okabe–Ito: vermillion / yellow / sky blue / grey differ in hue AND lightness, so
 * they stay apart with protanopia, deuteranopia and tritanopia (the old red/orange pair merged for
 * red-green deficient viewers); the badge always shows the priority's name too. Dark text on all four.
 */
export const PRIORITY_COLOR = {
  high: '#d55e00',
  medium: '#f0e442',
  low: '#56b4e9',
  diagnostic: '#a7b0bd',
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
export const DELAY_CLASSES: { maxSec: number; label: MessageKey; color: Rgba }[] = [
  { maxSec: 120, label: 'delay.onTime', color: OKABE.sky },
  { maxSec: 300, label: 'delay.late', color: OKABE.orange },
  { maxSec: Infinity, label: 'delay.veryLate', color: OKABE.purple },
];
export function delayColor(delaySec: number | null): Rgba {
  if (delaySec === null) return NO_DATA;
  for (const c of DELAY_CLASSES) if (delaySec <= c.maxSec) return c.color;
  return DELAY_CLASSES[DELAY_CLASSES.length - 1]!.color;
}

export const PARKING_STATUS: Record<'spacesAvailable' | 'almostFull' | 'full' | 'closed' | 'statusUnknown', { label: MessageKey; color: Rgba }> = {
  spacesAvailable: { label: 'parking.spacesAvailable', color: OKABE.sky },
  almostFull: { label: 'parking.almostFull', color: OKABE.orange },
  full: { label: 'parking.full', color: OKABE.purple },
  closed: { label: 'parking.closed', color: [70, 78, 92, 255] },
  statusUnknown: { label: 'parking.statusUnknown', color: NO_DATA },
};

/** Lighting cabinets: all lamps fine, some lamps faulty, cabinet fault / communication lost. */
export const CABINET_CLASSES = {
  ok: { label: 'cabinet.ok' as MessageKey, color: [120, 140, 165, 255] as Rgba },
  lamps: { label: 'cabinet.lamps' as MessageKey, color: OKABE.orange },
  cabinet: { label: 'cabinet.cabinet' as MessageKey, color: OKABE.purple },
};
export const LAMP_FAULT_COLOR: Rgba = OKABE.yellow;
export const LAMP_COLOR: Rgba = [150, 145, 125, 150];

export const ENV_KIND: Record<'air' | 'weather' | 'gauge' | 'shorepower', { label: MessageKey; color: Rgba }> = {
  air: { label: 'env.air', color: OKABE.green },
  weather: { label: 'env.weather', color: OKABE.sky },
  gauge: { label: 'env.gauge', color: OKABE.blue },
  shorepower: { label: 'env.shorepower', color: OKABE.yellow },
};
/** A value over its limit: the marker gets this outline and the label says so. */
export const OVER_LIMIT: Rgba = [255, 107, 107, 255];

export const CONSTRUCTION_FILL: Rgba = [230, 159, 0, 40];
export const CONSTRUCTION_LINE: Rgba = [230, 159, 0, 230];
export const DRONE_COLOR: Rgba = [255, 255, 255, 255];
export const FOOTPRINT_FILL: Rgba = [240, 228, 66, 50];
export const FOOTPRINT_LINE: Rgba = [240, 228, 66, 220];

export type MapTheme = 'dark' | 'light';

/**
 * Neutral colours of the map overlay per base map. On the dark map markers get a dark rim (it
 * separates touching markers) and labels light text on a dark halo; on the light map the rim is a
 * dark grey (the light end of viridis and Okabe yellow would otherwise vanish on the pale ground,
 * WCAG 2.2 SC 1.4.11 non-text contrast >= 3:1) and labels dark text on a white halo.
 */
export interface MapInk {
  theme: MapTheme;
  /** Rim of point markers. */
  outline: Rgba;
  /** Rim of the selected marker. */
  selected: Rgba;
  text: Rgba;
  /** Secondary labels (installation names). */
  textSoft: Rgba;
  halo: Rgba;
  district: Rgba;
  landmark: Rgba;
  lamp: Rgba;
  cabinetOk: Rgba;
  drone: Rgba;
  footprintLine: Rgba;
  footprintFill: Rgba;
  lostOutline: Rgba;
}
export const MAP_INK: Record<MapTheme, MapInk> = {
  dark: {
    theme: 'dark',
    outline: [14, 20, 32, 255],
    selected: [255, 255, 255, 255],
    text: [235, 240, 246, 255],
    textSoft: [210, 218, 230, 230],
    halo: [14, 20, 32, 255],
    district: [150, 165, 190, 200],
    landmark: [125, 200, 170, 220],
    lamp: LAMP_COLOR,
    cabinetOk: CABINET_CLASSES.ok.color,
    drone: DRONE_COLOR,
    footprintLine: FOOTPRINT_LINE,
    footprintFill: FOOTPRINT_FILL,
    lostOutline: LOST_OUTLINE,
  },
  light: {
    theme: 'light',
    outline: [45, 52, 64, 255],
    selected: [0, 0, 0, 255],
    text: [15, 22, 34, 255],
    textSoft: [30, 40, 56, 255],
    halo: [255, 255, 255, 235],
    district: [80, 92, 112, 230],
    landmark: [0, 110, 80, 240],
    lamp: [110, 105, 85, 170],
    cabinetOk: [105, 120, 140, 255],
    drone: [15, 22, 34, 255],
    // Okabe blue instead of yellow: yellow on the pale map is below 3:1.
    footprintLine: [0, 114, 178, 230],
    footprintFill: [0, 114, 178, 40],
    lostOutline: [213, 94, 0, 255],
  },
};
