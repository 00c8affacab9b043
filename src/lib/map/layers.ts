/**
 * deck.gl layers of the city. Accessors are module-level functions (stable identities), and
 * colour changes are signalled with `updateTriggers`, so a delta re-computes one attribute and
 * rebuilds nothing else.
 */
import { ScatterplotLayer, TextLayer } from '@deck.gl/layers';
import type { TlsEntity } from '../../../protocol/index.ts';
import { LOST_OUTLINE, NO_DATA, flowColor } from './palette.ts';

const getPosition = (d: TlsEntity): [number, number] => [d.lon, d.lat];
// A value from a silent device is not current: it is drawn as "no data", never in a flow colour.
const getFill = (d: TlsEntity) => (d.link === 'live' ? flowColor(d.flowVehH) : NO_DATA);
const getLabel = (d: TlsEntity) => d.name;

export const LABEL_FONT = 'Inter, system-ui, sans-serif';

/** Street-level zoom from which every installation is labelled; above it only the selected one. */
export const LABEL_MIN_ZOOM = 15.5;

export function tlsLayers(data: TlsEntity[], version: number, selectedId: string | null, stale: boolean, zoom: number) {
  const labelled = zoom >= LABEL_MIN_ZOOM ? data : data.filter((d) => d.id === selectedId);
  return [
    new ScatterplotLayer<TlsEntity>({
      id: 'tls',
      data,
      pickable: true,
      getPosition,
      getFillColor: getFill,
      getLineColor: (d) => (d.id === selectedId ? [255, 255, 255, 255] : d.link === 'lost' ? LOST_OUTLINE : [14, 20, 32, 255]),
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
      getColor: [210, 218, 230, 230],
      getPixelOffset: [0, -18],
      fontFamily: LABEL_FONT,
      fontWeight: 500,
      characterSet: 'auto',
      outlineWidth: 3,
      outlineColor: [14, 20, 32, 255],
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
const placeText = (d: Place) => (d.kind === 'district' ? d.name.toUpperCase() : d.name);

/**
 * Place names of the built-in base map (it has no glyphs, so labels are drawn here): districts at
 * city zoom, landmarks from district zoom on.
 */
export function placeLayer(places: Place[], zoom: number) {
  const shown = places.filter((p) => (p.kind === 'district' ? zoom < 14 : zoom >= 12.5));
  return new TextLayer<Place>({
    id: 'places',
    data: shown,
    getPosition: placePosition,
    getText: placeText,
    getSize: (d) => (d.kind === 'district' ? 14 : 12),
    getColor: (d) => (d.kind === 'district' ? [150, 165, 190, 200] : [125, 200, 170, 220]),
    fontFamily: LABEL_FONT,
    fontWeight: 600,
    characterSet: 'auto',
    outlineWidth: 3,
    outlineColor: [14, 20, 32, 255],
    fontSettings: { sdf: true },
    updateTriggers: { getText: zoom < 14 },
  });
}
