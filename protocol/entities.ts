/**
 * Live entities as the dashboard receives them, one interface per realtime family (besides `tls`
 * and `alarms` in realtime.ts). The hub fuses device messages into these; the client renders them.
 * Every entity carries `tsMs` (device time of its newest data) and `link` (live / stale / lost), so
 * no value is ever shown without its age.
 */
import type { DeviceLink } from './realtime.ts';

/** A bus, tram or light-rail vehicle (GTFS-RT VehiclePosition, fused). */
export interface TransitVehicleEntity {
  id: string;
  lineId: string;
  /** As signed on the vehicle: '901', 'U79', '934'. */
  lineName: string;
  mode: 'tram' | 'bus' | 'lightrail';
  /** Line colour '#rrggbb' from the line's meta, for the map and line diagrams. */
  color: string;
  tripId: string;
  directionId: number | null;
  lon: number;
  lat: number;
  bearingDeg: number | null;
  speedKmh: number | null;
  /** Positive = late, against the timetable. Null when the device does not know. */
  delaySec: number | null;
  status: 'INCOMING_AT' | 'STOPPED_AT' | 'IN_TRANSIT_TO' | null;
  stopId: string | null;
  tsMs: number;
  link: DeviceLink;
}

/** A garage of the parking guidance system (DATEX II ParkingStatus, fused). */
export interface ParkingEntity {
  id: string;
  name: string;
  zone: string;
  lon: number;
  lat: number;
  capacity: number;
  /** True where the capacity is not public and was estimated. */
  capacityEstimated: boolean;
  occupied: number | null;
  vacant: number | null;
  status: 'spacesAvailable' | 'almostFull' | 'full' | 'closed' | 'statusUnknown';
  trend: 'increasing' | 'decreasing' | 'stable' | null;
  tsMs: number | null;
  link: DeviceLink;
  /** Forecast of free spaces (server/fusion/parking-forecast.ts); absent until the first status. */
  forecast?: ParkingForecast[];
}

/** Free spaces expected `inMin` minutes after the status, and the probability that at least one is free. */
export interface ParkingForecast {
  inMin: 15 | 30 | 60;
  vacant: number;
  pFree: number;
}

/** HBS 2015 level of service (Qualitätsstufe des Verkehrsablaufs), A best … F overloaded. */
export type LevelOfService = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

/**
 * A directed road link between two signal installations, learned by the hub from what the
 * installations announce (server/fusion/links.ts) and measured by the downstream installation's
 * stop-line detectors of that approach, or by transit vehicles driving it (speed probes).
 */
export interface LinkEntity {
  /** `${from}>${to}`. */
  id: string;
  street: string;
  /** Upstream installation id. */
  from: string;
  /** Downstream installation id (its detectors measure the link). */
  to: string;
  lanes: number;
  speedLimitKmh: number;
  /** [lon, lat] from upstream to downstream installation. */
  geometry: [number, number][];
  lengthM: number;
  flowVehH: number | null;
  speedKmh: number | null;
  densityVehKm: number | null;
  los: LevelOfService | null;
  travelTimeSec: number | null;
  freeFlowTravelTimeSec: number;
  /** What the current values come from: 'detectors', 'transit-probe'. */
  sources: string[];
  tsMs: number | null;
  link: DeviceLink;
}

/** A street-lighting control cabinet and the aggregate of its lamps. */
export interface CabinetEntity {
  id: string;
  district: string;
  lon: number;
  lat: number;
  lampCount: number;
  lampsOn: number;
  /** Lamps with any fault (out, flicker, day burner, power anomaly). */
  lampsFaulty: number;
  powerState: string | null;
  activePowerW: number | null;
  energyKWh: number | null;
  commsOk: boolean | null;
  fault: string | null;
  tsMs: number | null;
  link: DeviceLink;
}

/** A lamp with a fault (the map shows faults at city zoom; all lamps come from /api/lighting/lamps). */
export interface LampFaultEntity {
  id: string;
  cabinetId: string;
  lon: number;
  lat: number;
  faults: string[];
  status: string;
  tsMs: number;
}

/** An environment station: air quality, weather, the Rhine gauge, or a shore-power point. */
export interface EnvStationEntity {
  id: string;
  kind: 'air' | 'weather' | 'gauge' | 'shorepower';
  name: string;
  lon: number;
  lat: number;
  /** Latest numeric values by name with unit in the name (no2UgM3, waterLevelCm, powerKW …). */
  values: Record<string, number | null>;
  /** Textual state where there is one (gauge trend, shore-power status). */
  status: string | null;
  /** Limits and marks to judge the values by (e.g. { waterLevelCm: 1130 }). */
  limits: Record<string, number>;
  tsMs: number | null;
  link: DeviceLink;
}

/** A road works site: a polygon that closes lanes. */
export interface ConstructionEntity {
  id: string;
  title: string;
  description: string;
  /** GeoJSON Polygon coordinates. */
  polygon: [number, number][][];
  lanesClosed: number;
  affectedLinkIds: string[];
  startMs: number;
  endMs: number;
}

/** The fire brigade's drone: pose, camera and the recent track. */
export interface DroneEntity {
  id: string;
  name: string;
  lon: number | null;
  lat: number | null;
  altM: number | null;
  headingDeg: number | null;
  groundSpeedMs: number | null;
  batteryPct: number | null;
  flightMode: string | null;
  camera: { pitchDeg: number; yawDeg: number; hfovDeg: number; vfovDeg: number } | null;
  missionId: string | null;
  /** Last positions, oldest first, at most 300 points. */
  track: [number, number][];
  tsMs: number | null;
  link: DeviceLink;
}
