/** What each switchable layer is called and how its classes look, for the layer control. */
import type { LayerKey } from '../state/dashboard.svelte.ts';
import { CABINET_CLASSES, CONSTRUCTION_LINE, DELAY_CLASSES, DRONE_COLOR, ENV_KIND, FLOW_CLASSES, FOOTPRINT_LINE, LAMP_COLOR, LAMP_FAULT_COLOR, NO_DATA, PARKING_STATUS, type Rgba } from './palette.ts';

export interface LegendItem {
  label: string;
  color: Rgba;
  shape: 'circle' | 'square' | 'arrow' | 'line' | 'area';
}
export interface LayerInfo {
  key: LayerKey;
  label: string;
  unit?: string;
  legend: LegendItem[];
  /** A hint shown under the legend (zoom-dependent content). */
  note?: string;
}

const c = (label: string, color: Rgba, shape: LegendItem['shape'] = 'circle'): LegendItem => ({ label, color, shape });

export const LAYERS: LayerInfo[] = [
  { key: 'tls', label: 'Lichtsignalanlagen', unit: 'Kfz/h', legend: [...FLOW_CLASSES.map((f) => c(f.label, f.color)), c('keine Daten', NO_DATA)] },
  { key: 'transit', label: 'ÖPNV-Fahrzeuge', legend: [...DELAY_CLASSES.map((d) => c(d.label, d.color, 'arrow')), c('ohne Verspätungsangabe', NO_DATA, 'arrow')], note: 'Liniennummer und Verspätung ab Zoom 14' },
  { key: 'transitLines', label: 'Liniennetz', legend: [c('Linie (Linienfarbe)', [180, 180, 200, 255], 'line')], note: 'Haltestellen ab Zoom 14' },
  { key: 'parking', label: 'Parkhäuser', legend: Object.values(PARKING_STATUS).map((s) => c(s.label, s.color)), note: 'Größe = Kapazität · Zahl = freie Plätze' },
  { key: 'lighting', label: 'Beleuchtung: Schaltschränke', legend: [...Object.values(CABINET_CLASSES).map((s) => c(s.label, s.color, 'square')), c('Leuchte (ab Zoom 16)', LAMP_COLOR)] },
  { key: 'lampFaults', label: 'Leuchtenstörungen', legend: [c('gestörte Leuchte', LAMP_FAULT_COLOR)] },
  { key: 'environment', label: 'Umwelt & Rhein', legend: Object.values(ENV_KIND).map((k) => c(k.label, k.color)), note: 'Rot umrandet = Grenzwert überschritten' },
  { key: 'construction', label: 'Baustellen', legend: [c('Baustelle', CONSTRUCTION_LINE, 'area')] },
  { key: 'drone', label: 'Drohne', legend: [c('Position & Flugweg', DRONE_COLOR, 'arrow'), c('Kamerasichtfeld', FOOTPRINT_LINE, 'area')] },
];
