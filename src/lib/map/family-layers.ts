/**
 * deck.gl layers of parking, lighting, environment, road works and the drone. Same rules as
 * layers.ts: module-level accessors, `updateTriggers` on the family's version, a stale layer drawn
 * faded (the layer control says why).
 */
import { IconLayer, PathLayer, PolygonLayer, ScatterplotLayer, TextLayer } from '@deck.gl/layers';
import type { CabinetEntity, ConstructionEntity, DroneEntity, EnvStationEntity, LampFaultEntity, ParkingEntity } from '../../../protocol/index.ts';
import { cameraFootprint } from './footprint.ts';
import { ICON_MAPPING, iconAtlas } from './icons.ts';
import { LABEL_FONT } from './layers.ts';
import {
  CABINET_CLASSES,
  CONSTRUCTION_FILL,
  CONSTRUCTION_LINE,
  ENV_KIND,
  LAMP_FAULT_COLOR,
  NO_DATA,
  OVER_LIMIT,
  PARKING_STATUS,
  type MapInk,
  type Rgba,
} from './palette.ts';
import { i18n, t } from '../i18n/locale.svelte.ts';

const fade = (stale: boolean) => (stale ? 0.35 : 1);
/** Common label props: text colour and halo from the map ink (dark or light base map). */
const textStyle = (ink: MapInk) => ({
  fontFamily: LABEL_FONT,
  fontWeight: 600,
  characterSet: 'auto' as const,
  outlineWidth: 3,
  outlineColor: ink.halo,
  fontSettings: { sdf: true },
  getColor: ink.text,
});
/** Only the labels the collision pass kept (declutter.ts); all when there is none. */
const kept = <T extends { id: string }>(data: T[], prefix: string, keep: Set<string> | null) => (keep ? data.filter((d) => keep.has(`${prefix}:${d.id}`)) : data);
const pos = (d: { lon: number; lat: number }): [number, number] => [d.lon, d.lat];

const zoomClass = (zoom: number) => (zoom >= 15 ? 2 : zoom >= 14 ? 1 : 0);

// ---- parking ------------------------------------------------------------------------------------

/** Area ∝ capacity; smaller at city zoom so the inner-city garages do not cover each other. */
export const parkingRadius = (d: ParkingEntity, zoom: number) => {
  const k = zoom >= 15 ? 0.55 : zoom >= 14 ? 0.4 : 0.28;
  return Math.min(zoom >= 15 ? 26 : 14, 4 + Math.sqrt(d.capacity) * k);
};
const parkingFill = (d: ParkingEntity): Rgba => (d.link === 'lost' ? NO_DATA : PARKING_STATUS[d.status].color);
const parkingText = (d: ParkingEntity) => (d.status === 'closed' ? t('mapLabel.closed') : d.vacant === null ? '—' : t('mapLabel.free', { n: d.vacant }));
/** At city zoom only the number: shorter labels, fewer collisions in the dense centre. */
const parkingNumber = (d: ParkingEntity) => (d.vacant === null ? '—' : String(d.vacant));
const parkingName = (d: ParkingEntity) => d.name;

/** The free-spaces label of a garage at this zoom, or null when none is drawn (also for the collision pass). */
export function parkingFreeLabel(d: ParkingEntity, zoom: number): string | null {
  if (zoom < 13 || (zoom < 15 && d.status === 'closed')) return null;
  return zoom >= 14 ? parkingText(d) : parkingNumber(d);
}
/** Zoom from which garages carry their name above the marker. */
export const PARKING_NAME_MIN_ZOOM = 15.5;

export function parkingLayers(data: ParkingEntity[], version: number, zoom: number, stale: boolean, ink: MapInk, keep: Set<string> | null) {
  const text = textStyle(ink);
  return [
    new ScatterplotLayer<ParkingEntity>({
      id: 'parking',
      data,
      pickable: true,
      getPosition: pos,
      getRadius: (d) => parkingRadius(d, zoom),
      radiusUnits: 'pixels',
      getFillColor: parkingFill,
      getLineColor: ink.outline,
      stroked: true,
      lineWidthUnits: 'pixels',
      getLineWidth: 2,
      opacity: fade(stale),
      updateTriggers: { getFillColor: version, getRadius: [version, zoomClass(zoom)] },
    }),
    new TextLayer<ParkingEntity>({
      ...text,
      id: 'parking-free',
      // Closed garages are labelled only at street zoom: at night they would fill the centre.
      data: kept(data.filter((d) => parkingFreeLabel(d, zoom) !== null), 'parking-free', keep),
      getPosition: pos,
      getText: zoom >= 14 ? parkingText : parkingNumber,
      getSize: 12,
      getPixelOffset: (d) => [0, parkingRadius(d, zoom) + 9],
      opacity: fade(stale),
      updateTriggers: { getText: [version, zoom >= 14, i18n.locale], getPixelOffset: [version, zoomClass(zoom)] },
    }),
    new TextLayer<ParkingEntity>({
      ...text,
      id: 'parking-names',
      data: zoom >= PARKING_NAME_MIN_ZOOM ? kept(data, 'parking-name', keep) : [],
      getPosition: pos,
      getText: parkingName,
      getSize: 11,
      fontWeight: 500,
      getColor: ink.textSoft,
      getPixelOffset: (d) => [0, -parkingRadius(d, zoom) - 9],
      updateTriggers: { getPixelOffset: zoomClass(zoom) },
    }),
  ];
}

// ---- lighting -----------------------------------------------------------------------------------

export const cabinetClass = (d: CabinetEntity): keyof typeof CABINET_CLASSES =>
  d.fault !== null || d.commsOk === false || d.link === 'lost' ? 'cabinet' : d.lampsFaulty > 0 ? 'lamps' : 'ok';

const cabinetSize = (d: CabinetEntity) => (cabinetClass(d) === 'ok' ? 9 : 13);

/** All lamps as parallel arrays (GET /api/lighting/lamps), packed for binary attributes. */
export interface LampArrays {
  length: number;
  positions: Float32Array;
}
export function packLamps(body: { ids: string[]; lon: number[]; lat: number[] }): LampArrays {
  const n = Math.min(body.lon.length, body.lat.length);
  const positions = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    positions[2 * i] = body.lon[i]!;
    positions[2 * i + 1] = body.lat[i]!;
  }
  return { length: n, positions };
}

/** Street zoom from which every lamp is drawn. */
export const LAMPS_MIN_ZOOM = 16;

export function lightingLayers(
  cabinets: CabinetEntity[],
  cabinetsVersion: number,
  faults: LampFaultEntity[],
  faultsVersion: number,
  lamps: LampArrays | null,
  show: { cabinets: boolean; faults: boolean },
  zoom: number,
  stale: boolean,
  ink: MapInk,
) {
  const cabinetColor = (d: CabinetEntity) => (cabinetClass(d) === 'ok' ? ink.cabinetOk : CABINET_CLASSES[cabinetClass(d)].color);
  const layers = [];
  if (show.cabinets && lamps && zoom >= LAMPS_MIN_ZOOM) {
    layers.push(
      new ScatterplotLayer({
        id: 'lamps',
        // Binary attributes: 46,000 points without one accessor call per lamp.
        data: { length: lamps.length, attributes: { getPosition: { value: lamps.positions, size: 2 } } },
        getFillColor: ink.lamp,
        getRadius: 2,
        radiusUnits: 'pixels',
      }),
    );
  }
  if (show.faults) {
    layers.push(
      new ScatterplotLayer<LampFaultEntity>({
        id: 'lamp-faults',
        data: faults,
        pickable: true,
        getPosition: pos,
        getFillColor: LAMP_FAULT_COLOR,
        getLineColor: ink.outline,
        stroked: true,
        lineWidthUnits: 'pixels',
        getLineWidth: 1,
        getRadius: zoom >= LAMPS_MIN_ZOOM ? 6 : 3.5,
        radiusUnits: 'pixels',
        updateTriggers: { getRadius: zoom >= LAMPS_MIN_ZOOM, getPosition: faultsVersion },
      }),
    );
  }
  if (show.cabinets) {
    layers.push(
      new IconLayer<CabinetEntity>({
        id: 'cabinets',
        data: cabinets,
        pickable: true,
        iconAtlas: iconAtlas() as unknown as string,
        iconMapping: ICON_MAPPING,
        getIcon: () => 'square',
        getPosition: pos,
        getColor: cabinetColor,
        getSize: cabinetSize,
        sizeUnits: 'pixels',
        opacity: fade(stale),
        updateTriggers: { getColor: cabinetsVersion, getSize: cabinetsVersion },
      }),
    );
  }
  return layers;
}

// ---- environment --------------------------------------------------------------------------------

const fmt1 = { format: (n: number) => i18n.fmt.number.format(Math.round(n * 10) / 10) };
const fmt0 = { format: (n: number) => i18n.fmt.number.format(Math.round(n)) };

/** The one value that matters for a station, as shown on the map and in the panel. */
export function envKeyValue(d: EnvStationEntity): { text: string; over: boolean } {
  const v = d.values;
  const num = (k: string) => (typeof v[k] === 'number' ? (v[k] as number) : null);
  switch (d.kind) {
    case 'air': {
      const no2 = num('no2UgM3');
      const lim = d.limits.no2HourlyUgM3 ?? 200;
      return { text: no2 === null ? 'NO₂ —' : `NO₂ ${fmt0.format(no2)} µg/m³`, over: no2 !== null && no2 > lim };
    }
    case 'weather': {
      const c = num('airTempC');
      return { text: c === null ? '— °C' : `${fmt1.format(c)} °C`, over: false };
    }
    case 'gauge': {
      const lvl = num('waterLevelCm');
      const mark = d.limits.waterLevelCm ?? d.limits.highWaterMarkIICm ?? 1130;
      return { text: lvl === null ? t('mapLabel.gaugeNone') : t('mapLabel.gauge', { level: fmt0.format(lvl), mark: fmt0.format(mark) }), over: lvl !== null && lvl >= mark };
    }
    case 'shorepower': {
      const kw = num('powerKW');
      return { text: kw === null ? '— kW' : `${fmt0.format(kw)} kW`, over: false };
    }
  }
}

const envColor = (d: EnvStationEntity): Rgba => (d.link === 'lost' ? NO_DATA : ENV_KIND[d.kind].color);
export const envText = (d: EnvStationEntity) => envKeyValue(d).text;
/** Zoom from which stations carry their key value. */
export const ENV_LABEL_MIN_ZOOM = 12;
export const ENV_LABEL_OFFSET: [number, number] = [11, 0];

export function environmentLayers(data: EnvStationEntity[], version: number, zoom: number, stale: boolean, ink: MapInk, keep: Set<string> | null) {
  const envLine = (d: EnvStationEntity): Rgba => (envKeyValue(d).over ? OVER_LIMIT : ink.outline);
  const text = textStyle(ink);
  return [
    new ScatterplotLayer<EnvStationEntity>({
      id: 'environment',
      data,
      pickable: true,
      getPosition: pos,
      getFillColor: envColor,
      getLineColor: envLine,
      getRadius: 7,
      radiusUnits: 'pixels',
      stroked: true,
      lineWidthUnits: 'pixels',
      getLineWidth: (d) => (envKeyValue(d).over ? 3 : 2),
      opacity: fade(stale),
      updateTriggers: { getFillColor: version, getLineColor: version, getLineWidth: version },
    }),
    new TextLayer<EnvStationEntity>({
      ...text,
      id: 'environment-labels',
      data: zoom >= ENV_LABEL_MIN_ZOOM ? kept(data, 'env', keep) : [],
      getPosition: pos,
      getText: envText,
      getSize: 11,
      getTextAnchor: 'start',
      getPixelOffset: ENV_LABEL_OFFSET,
      getColor: (d) => (envKeyValue(d).over ? (ink.theme === 'light' ? [180, 30, 30, 255] : [255, 170, 170, 255]) : ink.text),
      opacity: fade(stale),
      updateTriggers: { getText: [version, i18n.locale], getColor: version },
    }),
  ];
}

// ---- construction -------------------------------------------------------------------------------

/**
 * Diagonal hatch lines clipped to each polygon (even-odd scanlines in a local metric frame):
 * deck.gl's fill patterns need an extra package, and a few dozen paths are cheap.
 */
export function hatchLines(polygons: [number, number][][][], spacingM = 12): [number, number][][] {
  const out: [number, number][][] = [];
  for (const rings of polygons) {
    const ring0 = rings[0];
    if (!ring0 || ring0.length < 3) continue;
    const lat0 = ring0[0]![1];
    const kx = 111_320 * Math.cos((lat0 * Math.PI) / 180);
    const ky = 110_540;
    // Rotate by 45°: u = x + y (constant along a hatch line), v = y − x.
    const toUV = ([lon, lat]: [number, number]) => {
      const x = lon * kx;
      const y = lat * ky;
      return [(x + y) / Math.SQRT2, (y - x) / Math.SQRT2] as const;
    };
    const fromUV = (u: number, v: number): [number, number] => {
      const x = (u - v) / Math.SQRT2;
      const y = (u + v) / Math.SQRT2;
      return [x / kx, y / ky];
    };
    const edges = rings.flatMap((r) => r.map((p, i) => [toUV(p), toUV(r[(i + 1) % r.length]!)] as const));
    let uMin = Infinity;
    let uMax = -Infinity;
    for (const [a] of edges) {
      uMin = Math.min(uMin, a[0]);
      uMax = Math.max(uMax, a[0]);
    }
    for (let u = Math.ceil(uMin / spacingM) * spacingM; u < uMax; u += spacingM) {
      const vs: number[] = [];
      for (const [a, b] of edges) {
        if (a[0] <= u !== b[0] <= u) vs.push(a[1] + ((u - a[0]) / (b[0] - a[0])) * (b[1] - a[1]));
      }
      vs.sort((p, q) => p - q);
      for (let i = 0; i + 1 < vs.length; i += 2) out.push([fromUV(u, vs[i]!), fromUV(u, vs[i + 1]!)]);
    }
  }
  return out;
}

const polygonOf = (d: ConstructionEntity) => d.polygon;
const hatchPath = (d: [number, number][]) => d;

export function constructionLayers(data: ConstructionEntity[], hatch: [number, number][][], zoom: number) {
  return [
    new PolygonLayer<ConstructionEntity>({
      id: 'construction',
      data,
      pickable: true,
      getPolygon: polygonOf,
      getFillColor: CONSTRUCTION_FILL,
      getLineColor: CONSTRUCTION_LINE,
      getLineWidth: 2,
      lineWidthUnits: 'pixels',
      stroked: true,
      filled: true,
    }),
    new PathLayer<[number, number][]>({
      id: 'construction-hatch',
      data: zoom >= 14 ? hatch : [],
      getPath: hatchPath,
      getColor: [230, 159, 0, 140],
      getWidth: 1.5,
      widthUnits: 'pixels',
    }),
  ];
}

// ---- drone --------------------------------------------------------------------------------------

/** The footprint is drawn up to this distance; beyond it a tilted camera sees only the horizon. */
export const FOOTPRINT_MAX_RANGE_M = 600;

interface DroneView {
  d: DroneEntity;
  footprint: [number, number][] | null;
}
const droneTrack = (d: DroneEntity) => d.track;

export function droneLayers(drones: DroneEntity[], version: number, mapBearing: number, stale: boolean, ink: MapInk) {
  const text = textStyle(ink);
  const located = drones.filter((d) => d.lon !== null && d.lat !== null);
  const views: DroneView[] = located.map((d) => ({
    d,
    footprint:
      d.camera && d.altM !== null
        ? cameraFootprint({ lon: d.lon!, lat: d.lat!, altM: d.altM, camera: d.camera }, FOOTPRINT_MAX_RANGE_M)
        : null,
  }));
  const dpos = (v: DroneView): [number, number] => [v.d.lon!, v.d.lat!];
  return [
    new PolygonLayer<DroneView>({
      id: 'drone-footprint',
      data: views.filter((v) => v.footprint),
      getPolygon: (v) => v.footprint!,
      getFillColor: ink.footprintFill,
      getLineColor: ink.footprintLine,
      getLineWidth: 1.5,
      lineWidthUnits: 'pixels',
      opacity: fade(stale),
      updateTriggers: { getPolygon: version },
    }),
    new PathLayer<DroneEntity>({
      id: 'drone-track',
      data: located.filter((d) => d.track.length > 1),
      getPath: droneTrack,
      getColor: [...ink.drone.slice(0, 3), 130] as Rgba,
      getWidth: 2,
      widthUnits: 'pixels',
      jointRounded: true,
      opacity: fade(stale),
      updateTriggers: { getPath: version },
    }),
    new IconLayer<DroneView>({
      id: 'drone',
      data: views,
      pickable: true,
      iconAtlas: iconAtlas() as unknown as string,
      iconMapping: ICON_MAPPING,
      getIcon: () => 'chevron',
      getPosition: dpos,
      getAngle: (v) => mapBearing - (v.d.headingDeg ?? 0),
      getColor: (v) => (v.d.link === 'live' ? ink.drone : NO_DATA),
      getSize: 26,
      sizeUnits: 'pixels',
      opacity: fade(stale),
      updateTriggers: { getAngle: mapBearing },
    }),
    new TextLayer<DroneView>({
      ...text,
      id: 'drone-label',
      data: views,
      getPosition: dpos,
      getText: (v) => `${v.d.name.split(" (")[0]!.slice(0, 24)}${v.d.altM === null ? "" : ` · ${Math.round(v.d.altM)} m`}`,
      getSize: 12,
      getPixelOffset: [0, 24],
      opacity: fade(stale),
    }),
  ];
}
