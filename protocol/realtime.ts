/**
 * Socket.IO contract between hub and dashboard, typed once here and used by both ends.
 *
 * A client subscribes to a *family* (one layer of the city). It receives a snapshot stamped with a
 * sequence number, then deltas whose `seq` increase by exactly one. A client that sees a gap, or
 * reconnects, subscribes again with `fromSeq`: the hub replays from its bounded buffer or answers
 * with a fresh snapshot. A client therefore never mixes old and new state silently.
 */
import { z } from 'zod';
import type { ControlEntity } from './control.ts';
import type { VideoClientToServerEvents, VideoServerToClientEvents } from './video.ts';
import type { CabinetEntity, ConstructionEntity, DroneEntity, EnvStationEntity, LampFaultEntity, LinkEntity, ParkingEntity, TransitVehicleEntity } from './entities.ts';

export const FAMILIES = ['tls', 'alarms', 'transit', 'parking', 'lighting', 'lampFaults', 'environment', 'construction', 'drone', 'links', 'control'] as const;
export type Family = (typeof FAMILIES)[number];

/**
 * How often each family's data is expected to change; older data is shown as stale. Null for
 * event-driven families (alarms): their liveness is the connection's.
 */
export const FAMILY_EXPECTED_INTERVAL_SEC: Record<Family, number | null> = {
  tls: 5,
  alarms: null,
  transit: 5,
  parking: 60,
  lighting: 900,
  lampFaults: null,
  environment: 600,
  construction: null,
  drone: 5,
  /** Road links: measured from the downstream installation's detectors (5 s) and transit probes. */
  links: 5,
  /** Control states (protocol/control.ts) change on actions and acks: event-driven. */
  control: null,
};

/** Link state of a device as the hub judges it from the age of its last message. */
export type DeviceLink = 'live' | 'stale' | 'lost';

/** Live state of one signal installation as the dashboard sees it. */
export interface TlsEntity {
  id: string;
  name: string;
  lon: number;
  lat: number;
  district: string | null;
  /** Sum over the installation's detectors, vehicles per hour, of the last interval. */
  flowVehH: number | null;
  /** Mean detector occupancy of the last interval, percent. */
  occupancyPct: number | null;
  /** Device time of the last measurement; null before the first one. */
  tsMs: number | null;
  /** live, stale (missed a few reports) or lost (silent for long: an alarm is raised). */
  link: DeviceLink;
  /** Controller state (OCIT-O): mode, running plan, its cycle length and the current cycle second. */
  mode: string | null;
  planId: string | null;
  cycleSec: number | null;
  cycleSecond: number | null;
  /** Ids of the signal groups showing green now. */
  greens: string[];
  /** Device time of the last controller state. */
  stateTsMs: number | null;
  /**
   * Per approach, fused once per detector report (server/fusion/intersection.ts): flow, queue
   * estimate, degree of saturation of its signal group(s) and Webster delay. Absent until the first
   * report; saturation/delay are null without an announced signal spec and plan.
   */
  approachStats?: TlsApproachStats[];
  /** Flow-weighted mean Webster delay over the approaches, s per vehicle; null when unknown. */
  delaySecPerVeh?: number | null;
}

/** Live estimates for one approach of a signal installation. */
export interface TlsApproachStats {
  approachId: string;
  street: string;
  /** Vehicle signal groups serving this approach (from TlsMeta.signal). */
  groupIds: string[];
  /** Stop-line detectors of the approach, veh/h over the last cycle (at least 60 s). */
  flowVehH: number;
  /** Mean occupancy of the approach's detectors in the last interval, percent. */
  occupancyPct: number;
  /** Estimated vehicles queued now (all lanes), from arrivals − departures over the cycle and detector occupancy during red. */
  queueVeh: number;
  /** Degree of saturation x = q / (s·g/C); null without a signal plan. */
  saturation: number | null;
  /** Webster (1958) mean delay per vehicle, s (clamped); null without a signal plan. */
  delaySecPerVeh: number | null;
}

export interface EntityOf {
  tls: TlsEntity;
  alarms: AlarmEntity;
  transit: TransitVehicleEntity;
  parking: ParkingEntity;
  lighting: CabinetEntity;
  lampFaults: LampFaultEntity;
  environment: EnvStationEntity;
  construction: ConstructionEntity;
  drone: DroneEntity;
  links: LinkEntity;
  control: ControlEntity;
}

export interface Snapshot<F extends Family = Family> {
  family: F;
  seq: number;
  /** Hub time the snapshot was taken. */
  tsMs: number;
  entities: EntityOf[F][];
}

/** Changed fields only; `id` is always present. */
export type Patch<T extends { id: string }> = Partial<T> & { id: string };

export interface Delta<F extends Family = Family> {
  family: F;
  seq: number;
  tsMs: number;
  upserts: Patch<EntityOf[F]>[];
  removes: string[];
}

const lon = z.number().min(-180).max(180);
const lat = z.number().min(-90).max(90);
export const BBox = z.tuple([lon, lat, lon, lat]).refine(([a, b, c, d]) => a <= c && b <= d, 'bbox must be [minLon, minLat, maxLon, maxLat]');
export type BBox = z.infer<typeof BBox>;

export const SubscribeRequest = z.object({
  family: z.enum(FAMILIES),
  /** Last seq the client applied; the hub replays what follows it when it still can. */
  fromSeq: z.number().int().nonnegative().optional(),
  /** The hubId that seq belongs to: after a hub restart seqs start again, so only a snapshot is safe. */
  hubId: z.string().max(64).optional(),
  /**
   * Viewport [minLon, minLat, maxLon, maxLat]: for families with positions the hub sends only the
   * entities inside it (and removals for those that leave it). Absent = the whole city (the shared
   * broadcast). A bbox subscription always starts from a snapshot of the area.
   */
  bbox: BBox.optional(),
  zoom: z.number().min(0).max(24).optional(),
});
export type SubscribeRequest = z.infer<typeof SubscribeRequest>;

/** Moves the viewport of a bbox subscription; the ack carries what entered and what left it. */
export const ViewportRequest = z.object({
  family: z.enum(FAMILIES),
  bbox: BBox,
  zoom: z.number().min(0).max(24).optional(),
});
export type ViewportRequest = z.infer<typeof ViewportRequest>;

/**
 * Answer to `viewport`: entities that entered (whole) and ids that left, valid at `seq` (the next
 * delta is `seq + 1`); not a delta of its own, so the sequence stays consecutive.
 */
export type ViewportResponse = { ok: true; seq: number; upserts: Patch<EntityOf[Family]>[]; removes: string[] } | { ok: false; error: ErrorBody };

/** Once a second from the hub: liveness of the connection and the client's clock offset. */
export interface Heartbeat {
  serverTimeMs: number;
}

export interface ErrorBody {
  code: string;
  message: string;
}

export type SubscribeResponse<F extends Family = Family> =
  | { ok: true; mode: 'snapshot'; snapshot: Snapshot<F> }
  | { ok: true; mode: 'replay'; deltas: Delta<F>[] }
  | { ok: false; error: ErrorBody };

export interface Hello {
  hubId: string;
  version: string;
  serverTimeMs: number;
  /** Engine.IO ping interval; a client that hears nothing (no heartbeat) for twice this is not live. */
  pingIntervalMs?: number;
}

/** Video events (videoFrame) are used on the VIDEO_NAMESPACE only (protocol/video.ts). */
export interface ServerToClientEvents extends VideoServerToClientEvents {
  hello: (h: Hello) => void;
  delta: (d: Delta) => void;
  /**
   * A fresh snapshot pushed by the hub, e.g. the one coalesced catch-up after the hub stopped
   * sending deltas to a client that did not read fast enough. Replaces the family's state.
   */
  snapshot: (s: Snapshot) => void;
  heartbeat: (h: Heartbeat) => void;
}

export interface ClientToServerEvents extends VideoClientToServerEvents {
  subscribe: (req: SubscribeRequest, ack: (res: SubscribeResponse) => void) => void;
  unsubscribe: (family: Family) => void;
  viewport: (req: ViewportRequest, ack: (res: ViewportResponse) => void) => void;
}

/** `GET /api/history` answer: parallel arrays, the shape uPlot takes without copying. */
export interface HistoryResponse {
  entity: string;
  metric: string;
  fromMs: number;
  toMs: number;
  /** Seconds per point actually returned (0 = raw samples). */
  stepSec: number;
  tsMs: number[];
  values: (number | null)[];
}

export const HistoryQuery = z.object({
  entity: z.string().min(1).max(200),
  metric: z.string().min(1).max(100),
  fromMs: z.coerce.number().int().nonnegative(),
  toMs: z.coerce.number().int().nonnegative(),
  maxPoints: z.coerce.number().int().min(2).max(10_000).default(1000),
});
export type HistoryQuery = z.infer<typeof HistoryQuery>;

/** Stable error codes of the REST API and socket acks (documented in docs/api.md). */
export const ERROR_CODES = {
  BAD_REQUEST: 'E_BAD_REQUEST',
  NOT_FOUND: 'E_NOT_FOUND',
  UNKNOWN_FAMILY: 'E_UNKNOWN_FAMILY',
  UNAUTHENTICATED: 'E_UNAUTHENTICATED',
  FORBIDDEN: 'E_FORBIDDEN',
  NOT_SUBSCRIBED: 'E_NOT_SUBSCRIBED',
  TOO_SLOW: 'E_TOO_SLOW',
  METHOD_NOT_ALLOWED: 'E_METHOD_NOT_ALLOWED',
  INTERNAL: 'E_INTERNAL',
  /** Too many requests (login backoff/lockout, control-action rate limit); see Retry-After. */
  RATE_LIMITED: 'E_RATE_LIMITED',
  /** The request is valid but the target's state does not allow it (e.g. ack of an acked alarm). */
  CONFLICT: 'E_CONFLICT',
} as const;

/**
 * Alarm states of ISA-18.2 / IEC 62682 (state names as in the standard's state diagram):
 * NORM normal, UNACK active unacknowledged, ACKED active acknowledged, RTNUN returned to normal
 * unacknowledged, SHLVD shelved by an operator, DSUPR suppressed by design, OOSRV out of service.
 */
export const ALARM_STATES = ['NORM', 'UNACK', 'ACKED', 'RTNUN', 'SHLVD', 'DSUPR', 'OOSRV'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];
export const ALARM_PRIORITIES = ['high', 'medium', 'low', 'diagnostic'] as const;
export type AlarmPriority = (typeof ALARM_PRIORITIES)[number];

export interface AlarmEntity {
  /** `${entity}|${condition}`: one alarm per condition of an entity, reused when it recurs. */
  id: string;
  entity: string;
  condition: string;
  priority: AlarmPriority;
  /** Operator area that owns the alarm (traffic, transit, utility, environment, fire, system). */
  area: string;
  state: AlarmState;
  message: string;
  /** When the condition last became active (device/hub time). */
  activeSinceMs: number | null;
  lastChangeMs: number;
  ackedBy: string | null;
  shelvedUntilMs: number | null;
  shelveReason: string | null;
  /** Alarm id of the cause this alarm is a consequence of (grouping / suppression by design). */
  causeId: string | null;
}
