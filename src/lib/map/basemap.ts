import type { StyleSpecification } from 'maplibre-gl';
import type { Place } from './layers.ts';

/**
 * Loads the base style. Our own style references its GeoJSON with site-relative URLs; MapLibre's
 * workers need absolute ones, so they are resolved against the page here.
 */
export async function loadBasemapStyle(styleUrl: string): Promise<StyleSpecification | string> {
  const abs = new URL(styleUrl, location.href);
  if (abs.origin !== location.origin) return abs.href; // a user's own style: use as given
  const res = await fetch(abs);
  if (!res.ok) throw new Error(`base map style ${abs.pathname}: HTTP ${res.status}`);
  const style = (await res.json()) as StyleSpecification;
  for (const src of Object.values(style.sources)) {
    const s = src as { data?: unknown; url?: string; tiles?: string[] };
    if (typeof s.data === 'string') s.data = new URL(s.data, abs).href;
    if (typeof s.url === 'string') s.url = new URL(s.url, abs).href;
    if (Array.isArray(s.tiles)) s.tiles = s.tiles.map((t) => new URL(t, abs).href.replaceAll('%7B', '{').replaceAll('%7D', '}'));
  }
  return style;
}

/** Place names of the built-in base map; an empty list when they cannot be loaded (labels only). */
export async function loadPlaces(url = '/basemap/places.geojson'): Promise<Place[]> {
  const res = await fetch(url);
  if (!res.ok) return [];
  const fc = (await res.json()) as { features: { geometry: { coordinates: [number, number] }; properties: { name: string; kind: string } }[] };
  return fc.features
    .filter((f) => f.properties.kind === 'district' || f.properties.kind === 'landmark')
    .map((f) => ({ name: f.properties.name, kind: f.properties.kind as Place['kind'], lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1] }));
}
