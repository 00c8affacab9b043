/**
 * What the hub's REST API answers for health, alarm KPIs and administration: the JSON contract
 * shared by the hub (server/http/*, server/alarms/kpis.ts) and the /admin view. Secrets and hashes
 * never leave the hub; a display token is seen once, in CreatedDisplay.
 */
import type { AlarmPriority } from './realtime.ts';
import type { Role } from './auth.ts';

export interface Health {
  status: 'ok' | 'degraded';
  uptimeSec: number;
  broker: { connected: boolean };
  db: { ok: boolean };
}

export interface AlarmKpis {
  fromMs: number;
  toMs: number;
  annunciated: number;
  perArea: Record<string, { annunciated: number; avgPer10Min: number; maxPer10Min: number; floodPct: number }>;
  topBadActors: { alarmId: string; count: number; sharePct: number }[];
  top10SharePct: number;
  chattering: { alarmId: string; maxPerMinute: number }[];
  stale: { alarmId: string; activeHours: number }[];
  priorityPct: Record<AlarmPriority, number>;
  targets: Record<string, { target: string; value: number; met: boolean }>;
}

/** A quarantined message; `payload` is the hub's escaped text (printable ASCII, the rest `\xNN`). */
export interface QuarantineEntry {
  id: number;
  receivedMs: number;
  topic: string;
  reason: string;
  detail: string;
  payload: string;
}

export interface AuditEntry {
  atMs: number;
  principal: string;
  role: string;
  action: string;
  target: string;
  detail: Record<string, unknown>;
  result: 'ok' | 'denied' | 'error';
}

export interface UserEntry {
  id: number;
  username: string;
  role: Role;
  disabled: boolean;
  createdMs: number;
}

export interface DisplayEntry {
  id: string;
  name: string;
  createdMs: number;
  revokedMs: number | null;
}

/** Answer of POST /api/admin/displays: the only time the plain token is seen. */
export interface CreatedDisplay {
  id: string;
  name: string;
  token: string;
  createdMs: number;
}
