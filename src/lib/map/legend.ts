/**
 * What each switchable layer is called and how its classes look, for the layer control. Built per
 * call from the current language and map ink, so the legend follows a language or theme switch.
 */
import type { LayerKey } from '../state/dashboard.svelte.ts';
import { t } from '../i18n/locale.svelte.ts';
import { CABINET_CLASSES, CONSTRUCTION_LINE, DELAY_CLASSES, ENV_KIND, FLOW_CLASSES, LAMP_FAULT_COLOR, NO_DATA, PARKING_STATUS, type MapInk, type Rgba } from './palette.ts';

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

export function legendLayers(ink: MapInk): LayerInfo[] {
  return [
    { key: 'tls', label: t('layer.tls'), unit: t('unit.vehH'), legend: [...FLOW_CLASSES.map((f) => c(f.label, f.color)), c(t('legend.noData'), NO_DATA)], note: t('legend.labelsNote') },
    { key: 'transit', label: t('layer.transit'), legend: [...DELAY_CLASSES.map((d) => c(t(d.label), d.color, 'arrow')), c(t('legend.noDelay'), NO_DATA, 'arrow')], note: t('legend.transitNote') },
    { key: 'transitLines', label: t('layer.transitLines'), legend: [c(t('legend.line'), [180, 180, 200, 255], 'line'), c(t('legend.stop'), ink.outline)], note: t('legend.linesNote') },
    { key: 'parking', label: t('layer.parking'), legend: Object.values(PARKING_STATUS).map((s) => c(t(s.label), s.color)), note: t('legend.parkingNote') },
    {
      key: 'lighting',
      label: t('layer.lighting'),
      legend: [...Object.entries(CABINET_CLASSES).map(([k, s]) => c(t(s.label), k === 'ok' ? ink.cabinetOk : s.color, 'square')), c(t('legend.lamp'), ink.lamp)],
    },
    { key: 'lampFaults', label: t('layer.lampFaults'), legend: [c(t('legend.lampFault'), LAMP_FAULT_COLOR)] },
    { key: 'environment', label: t('layer.environment'), legend: Object.values(ENV_KIND).map((k) => c(t(k.label), k.color)), note: t('legend.envNote') },
    { key: 'construction', label: t('layer.construction'), legend: [c(t('legend.construction'), CONSTRUCTION_LINE, 'area')] },
    { key: 'drone', label: t('layer.drone'), legend: [c(t('legend.dronePos'), ink.drone, 'arrow'), c(t('legend.droneFov'), ink.footprintLine, 'area')] },
  ];
}
