/**
 * deck.gl layers of the city. Accessors are module-level functions (stable identities), and
 * colour changes are signalled with `updateTriggers`, so a delta re-computes one attribute and
 * rebuilds nothing else.
 */
import { ScatterplotLayer, TextLayer } from '@deck.gl/layers';
import type { TlsEntity } from '../../../protocol/index.ts';
import { NO_DATA, flowColor, type MapInk } from './palette.ts';

const getPosition = (d: TlsEntity): [number, number] => [d.lon, d.lat];
// A value from a silent device is not current: it is drawn as "no data", never in a flow colour.
const getFill = (d: TlsEntity) => (d.link === 'live' ? flowColor(d.flowVehH) : NO_DATA);
const getLabel = (d: TlsEntity) => d.name;
export const TLS_LABEL_OFFSET: [number, number] = [0, -18];
export const TLS_LABEL_SIZE = 12;

export const LABEL_FONT = 'Inter, system-ui, sans-serif';

/**
 * Zoom from which installations are labelled (below it only the selected one). Which labels are
 * drawn is decided by the collision pass (declutter.ts): `keep` holds the ids `tls:{id}` that fit.
 */
export const LABEL_MIN_ZOOM = 14.5;

export function tlsLayers(data: TlsEntity[], version: number, selectedId: string | null, stale: boolean, zoom: number, ink: MapInk, keep: Set<string> | null) {
  const labelled = data.filter((d) => d.id === selectedId || (zoom >= LABEL_MIN_ZOOM && (!keep || keep.has(`tls:${d.id}`))));
  return [
    new ScatterplotLayer<TlsEntity>({
      id: 'tls',
      data,
      pickable: true,
      getPosition,
      getFillColor: getFill,
      getLineColor: (d) => (d.id === selectedId ? ink.selected : d.link === 'lost' ? ink.lostOutline : ink.outline),
      getRadius: (d) => (d.id === selectedId ? 14 : 10),
      radiusUnits: 'pixels',
      radiusMinPixels: 4,
      stroked: true,
      lineWidthUnits: 'pixels',
      getLineWidth: (d) => (d.id === selectedId ? 3 : 1.5),
      opacity: stale ? 0.35 : 1,
      updateTriggers: {
        getFillColor: version,
        getLineColor: [selectedId, version],
        getRadius: selectedId,
        getLineWidth: selectedId,
      },
    }),
    new TextLayer<TlsEntity>({
      id: 'tls-labels',
      data: labelled,
      getPosition,
      getText: getLabel,
      getSize: 12,
      getColor: ink.textSoft,
      getPixelOffset: TLS_LABEL_OFFSET,
      fontFamily: LABEL_FONT,
      fontWeight: 500,
      characterSet: 'auto',
      outlineWidth: 3,
      outlineColor: ink.halo,
      fontSettings: { sdf: true },
    }),
  ];
}

export interface Place {
  name: string;
  kind: 'district' | 'landmark';
  lon: number;
  lat: number;
}

const placePosition = (d: Place): [number, number] => [d.lon, d.lat];

/**
 * Place names of the built-in base map (it has no glyphs, so labels are drawn here): districts at
 * city zoom, landmarks from district zoom on.
 */
export const placeVisible = (p: Place, zoom: number) => (p.kind === 'district' ? zoom < 14 : zoom >= 12.5);
export const placeText = (d: Place) => (d.kind === 'district' ? d.name.toUpperCase() : d.name);
export const placeSize = (d: Place) => (d.kind === 'district' ? 14 : 12);

export function placeLayer(places: Place[], zoom: number, ink: MapInk, keep: Set<string> | null) {
  const shown = places.filter((p) => placeVisible(p, zoom) && (!keep || keep.has(`place:${p.name}`)));
  return new TextLayer<Place>({
    id: 'places',
    data: shown,
    getPosition: placePosition,
    getText: placeText,
    getSize: placeSize,
    getColor: (d) => (d.kind === 'district' ? ink.district : ink.landmark),
    fontFamily: LABEL_FONT,
    fontWeight: 600,
    characterSet: 'auto',
    outlineWidth: 3,
    outlineColor: ink.halo,
    fontSettings: { sdf: true },
    updateTriggers: { getText: zoom < 14 },
  });
}
