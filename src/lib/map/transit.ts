/**
 * Transit on the map: the line network under the vehicles, and the vehicles moving smoothly
 * between their reports (a report every ~5 s would otherwise make them jump).
 */
import { IconLayer, PathLayer, ScatterplotLayer, TextLayer } from '@deck.gl/layers';
import type { TransitVehicleEntity } from '../../../protocol/index.ts';
import type { TransitLineMeta, TransitStop } from '../../../protocol/transit.ts';
import { ICON_MAPPING, iconAtlas } from './icons.ts';
import { LABEL_FONT } from './layers.ts';
import { NO_DATA, delayColor, type MapInk, type Rgba } from './palette.ts';

/** How long a vehicle takes to glide from its previous report to the new one. */
export const GLIDE_MS = 5000;

interface Track {
  from: [number, number];
  to: [number, number];
  t0: number;
}

/**
 * Client-side interpolation between the last two reports of each vehicle. Plain (non-reactive)
 * state: the map asks it for positions once per animation frame.
 */
export class VehicleMotion {
  readonly #tracks = new Map<string, Track>();
  #lastVersion = -1;

  /** Takes the newest reports; a moved vehicle starts gliding from where it is drawn right now. */
  update(list: TransitVehicleEntity[], version: number, nowMs: number): void {
    if (version === this.#lastVersion) return;
    this.#lastVersion = version;
    const seen = new Set<string>();
    for (const v of list) {
      seen.add(v.id);
      const tr = this.#tracks.get(v.id);
      if (!tr) this.#tracks.set(v.id, { from: [v.lon, v.lat], to: [v.lon, v.lat], t0: nowMs - GLIDE_MS });
      else if (tr.to[0] !== v.lon || tr.to[1] !== v.lat) {
        const cur = this.#at(tr, nowMs);
        // A jump of more than ~1.5 km is a new trip or a relocation: no glide across the city.
        const far = Math.abs(cur[0] - v.lon) + Math.abs(cur[1] - v.lat) > 0.02;
        this.#tracks.set(v.id, { from: far ? [v.lon, v.lat] : cur, to: [v.lon, v.lat], t0: nowMs });
      }
    }
    for (const id of this.#tracks.keys()) if (!seen.has(id)) this.#tracks.delete(id);
  }

  #at(tr: Track, nowMs: number): [number, number] {
    const k = Math.min(1, Math.max(0, (nowMs - tr.t0) / GLIDE_MS));
    return [tr.from[0] + (tr.to[0] - tr.from[0]) * k, tr.from[1] + (tr.to[1] - tr.from[1]) * k];
  }

  position(v: TransitVehicleEntity, nowMs: number): [number, number] {
    const tr = this.#tracks.get(v.id);
    return tr ? this.#at(tr, nowMs) : [v.lon, v.lat];
  }

  /** True while any vehicle is still gliding: the map keeps animating only then. */
  moving(nowMs: number): boolean {
    for (const tr of this.#tracks.values()) if (nowMs - tr.t0 < GLIDE_MS) return true;
    return false;
  }
}

const vehicleIcon = (d: TransitVehicleEntity) => (d.bearingDeg === null ? 'dot' : 'arrow');
const vehicleColor = (d: TransitVehicleEntity): Rgba => (d.link === 'live' ? delayColor(d.delaySec) : NO_DATA);
const vehicleLabel = (d: TransitVehicleEntity) => {
  const m = d.delaySec === null ? '' : Math.round(d.delaySec / 60);
  return m === '' || m <= 2 ? d.lineName : `${d.lineName} +${m}′`;
};

/** Zoom from which every vehicle carries its line name (and delay when late). */
export const VEHICLE_LABEL_MIN_ZOOM = 14;

export function vehicleLayers(data: TransitVehicleEntity[], version: number, motion: VehicleMotion, frameMs: number, mapBearing: number, zoom: number, stale: boolean, ink: MapInk) {
  const getPosition = (d: TransitVehicleEntity) => motion.position(d, frameMs);
  // IconLayer angles are counter-clockwise on screen; bearings clockwise from north.
  const getAngle = (d: TransitVehicleEntity) => mapBearing - (d.bearingDeg ?? 0);
  const size = zoom >= 15 ? 22 : zoom >= 13 ? 18 : 13;
  const common = {
    data,
    iconAtlas: iconAtlas() as unknown as string,
    iconMapping: ICON_MAPPING,
    getIcon: vehicleIcon,
    getPosition,
    getAngle,
    sizeUnits: 'pixels' as const,
    opacity: stale ? 0.35 : 1,
    updateTriggers: { getPosition: frameMs, getAngle: [version, mapBearing], getIcon: version, getColor: version },
  };
  return [
    // A halo (dark on the dark map, dark grey on the light one) under each arrow keeps it readable on every base-map colour.
    new IconLayer<TransitVehicleEntity>({ ...common, id: 'transit-halo', getSize: size + 5, getColor: ink.outline }),
    new IconLayer<TransitVehicleEntity>({ ...common, id: 'transit', pickable: true, getSize: size, getColor: vehicleColor }),
    new TextLayer<TransitVehicleEntity>({
      id: 'transit-labels',
      data: zoom >= VEHICLE_LABEL_MIN_ZOOM ? data : [],
      getPosition,
      getText: vehicleLabel,
      getSize: 11,
      getColor: ink.text,
      getTextAnchor: 'start',
      getPixelOffset: [size / 2 + 3, 0],
      fontFamily: LABEL_FONT,
      fontWeight: 600,
      characterSet: 'auto',
      outlineWidth: 3,
      outlineColor: ink.halo,
      fontSettings: { sdf: true },
      opacity: stale ? 0.35 : 1,
      updateTriggers: { getPosition: frameMs, getText: version },
    }),
  ];
}

export interface LinePath {
  lineId: string;
  name: string;
  color: Rgba;
  path: [number, number][];
}
export interface LineStop extends TransitStop {
  color: Rgba;
}

function hexRgba(hex: string, a = 255): Rgba {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255, a];
}

/** Flattens line metas into paths (one per direction) and unique stops. */
export function linePaths(lines: TransitLineMeta[]): { paths: LinePath[]; stops: LineStop[] } {
  const paths: LinePath[] = [];
  const stops = new Map<string, LineStop>();
  for (const l of lines) {
    const color = hexRgba(l.colour, 150);
    for (const d of l.directions) {
      paths.push({ lineId: l.id, name: l.name, color, path: d.geometry });
      for (const s of d.stops) if (!stops.has(s.stopId)) stops.set(s.stopId, { ...s, color: hexRgba(l.colour) });
    }
  }
  return { paths, stops: [...stops.values()] };
}

const getPath = (d: LinePath) => d.path;
const getPathColor = (d: LinePath) => d.color;
const stopPosition = (d: LineStop): [number, number] => [d.lon, d.lat];

/** Zoom from which stops are drawn, and from which they are named. */
export const STOPS_MIN_ZOOM = 14;
export const STOP_LABEL_MIN_ZOOM = 15;
export const STOP_LABEL_OFFSET: [number, number] = [7, 0];
const stopName = (d: LineStop) => d.name;

export function lineLayers(net: { paths: LinePath[]; stops: LineStop[] }, zoom: number, ink: MapInk, keep: Set<string> | null) {
  return [
    new PathLayer<LinePath>({
      id: 'transit-lines',
      data: net.paths,
      getPath,
      getColor: getPathColor,
      getWidth: zoom >= 15 ? 4 : 2.5,
      widthUnits: 'pixels',
      capRounded: true,
      jointRounded: true,
      updateTriggers: { getWidth: zoom >= 15 },
    }),
    new ScatterplotLayer<LineStop>({
      id: 'transit-stops',
      data: zoom >= STOPS_MIN_ZOOM ? net.stops : [],
      getPosition: stopPosition,
      getFillColor: ink.theme === 'light' ? [255, 255, 255, 255] : ink.outline,
      getLineColor: (d) => d.color,
      getRadius: 3.5,
      radiusUnits: 'pixels',
      stroked: true,
      lineWidthUnits: 'pixels',
      getLineWidth: 1.5,
    }),
    // Stop names only where the collision pass found room (declutter.ts, ids `stop:{stopId}`).
    new TextLayer<LineStop>({
      id: 'transit-stop-labels',
      data: zoom >= STOP_LABEL_MIN_ZOOM ? net.stops.filter((s) => !keep || keep.has(`stop:${s.stopId}`)) : [],
      getPosition: stopPosition,
      getText: stopName,
      getSize: 11,
      getColor: ink.textSoft,
      getTextAnchor: 'start',
      getPixelOffset: STOP_LABEL_OFFSET,
      fontFamily: LABEL_FONT,
      fontWeight: 500,
      characterSet: 'auto',
      outlineWidth: 3,
      outlineColor: ink.halo,
      fontSettings: { sdf: true },
    }),
  ];
}
