/**
 * What the admin REST endpoints answer, as the browser sees it (JSON). Mirrors the hub's types:
 * GET /healthz (server/http/api.ts), GET /api/alarms/kpis (server/alarms/kpis.ts AlarmKpis) and
 * /api/admin/* (server/http/auth-routes.ts, server/store/types.ts; hashes never leave the hub).
 */
import type { AlarmPriority, Role } from '../../../../protocol/index.ts';

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
