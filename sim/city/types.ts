/** The simulator's own city model. Facts about Duisburg live in `duisburg.ts`; nothing here is sent
 * as-is over MQTT (devices announce themselves through the protocol's meta messages). */

export type LngLat = readonly [lon: number, lat: number];

export interface Approach {
  /** Stable within its intersection: 'n', 'e', 's', 'w' or 'n2' etc. */
  id: string;
  /** Street the approach comes from, as signed on site. */
  street: string;
  /** Direction the traffic travels *towards* the stop line, degrees clockwise from north. */
  bearingDeg: number;
  lanes: number;
  /** Link id feeding this approach, if it is part of the modelled network. */
  fromLink?: string;
}

export interface Intersection {
  /** Stable id, e.g. 'K101'. Real Duisburg controller numbers are not public. */
  id: string;
  /** Crossing streets, e.g. 'Mercatorstraße / Friedrich-Wilhelm-Straße'. */
  name: string;
  pos: LngLat;
  district: string;
  approaches: Approach[];
  /** True for the generated outer ring (not a real surveyed site). */
  generated?: boolean;
}

export type RoadClass = 'motorway' | 'trunk' | 'primary' | 'secondary' | 'tertiary';

export interface Link {
  id: string;
  street: string;
  roadClass: RoadClass;
  /** Intersection ids; a link is one direction of travel. */
  from: string;
  to: string;
  lanes: number;
  speedLimitKmh: number;
  /** Geometry from `from` to `to`, including both end points. */
  geometry: LngLat[];
}
