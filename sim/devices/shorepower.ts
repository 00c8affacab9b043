/**
 * Shore power (Landstrom) points in the port of Duisburg-Ruhrort as field devices.
 *
 * Sites: the river-cruise landing at the Mühlenweide (on the Rhine in Ruhrort), the Leinpfad along
 * the Vinckekanal and the Mercatorinsel. These places are real; the number of points per site,
 * their ratings (cruise ~400 kW; freight 63 A / 125 A at 400 V, ~44 / ~87 kW) and the coordinates
 * (~100 m) are our assumptions, not duisport's register. Vessel names are invented.
 *
 * Behaviour: vessels moor at random (freight: a gap of ~4 h between stays of ~1-16 h, a few
 * sessions a day; cruise ships: mostly April-October, stays of 6-14 h); while connected a vessel
 * draws its hotel load (freight 5-30 kW, cruise 150-330 kW, higher mornings and evenings), integrated
 * into the session's kWh and the point's meter. Rarely a point faults (the vessel falls back to its
 * generator) or is taken out of service for maintenance ('offline'). Reports on change, every 60 s
 * while charging, else every 5 minutes.
 */
import { shorePowerTopics, type ShorePowerMeta, type ShorePowerStatus } from '../../protocol/shorepower.ts';
import type { Rng } from '../rng.ts';
import { berlinHour, identityStamp, type Msg, type Stamp } from './environment.ts';

export interface ShorePowerPoint {
  id: string;
  name: string;
  site: string;
  berthType: 'freight' | 'cruise';
  lon: number;
  lat: number;
  maxPowerKW: number;
  voltageV: number;
}

export const SHORE_POWER_POINTS: readonly ShorePowerPoint[] = [
  { id: 'LS-MUEHLENWEIDE-1', name: 'Mühlenweide, Kabinenschiff-Anleger 1', site: 'Mühlenweide', berthType: 'cruise', lon: 6.7229, lat: 51.4536, maxPowerKW: 400, voltageV: 400 },
  { id: 'LS-MUEHLENWEIDE-2', name: 'Mühlenweide, Kabinenschiff-Anleger 2', site: 'Mühlenweide', berthType: 'cruise', lon: 6.7224, lat: 51.4549, maxPowerKW: 400, voltageV: 400 },
  { id: 'LS-LEINPFAD-1', name: 'Leinpfad 1 (Vinckekanal)', site: 'Leinpfad', berthType: 'freight', lon: 6.729, lat: 51.4556, maxPowerKW: 44, voltageV: 400 },
  { id: 'LS-LEINPFAD-2', name: 'Leinpfad 2 (Vinckekanal)', site: 'Leinpfad', berthType: 'freight', lon: 6.7312, lat: 51.4553, maxPowerKW: 44, voltageV: 400 },
  { id: 'LS-LEINPFAD-3', name: 'Leinpfad 3 (Vinckekanal)', site: 'Leinpfad', berthType: 'freight', lon: 6.7334, lat: 51.455, maxPowerKW: 44, voltageV: 400 },
  { id: 'LS-MERCATORINSEL-1', name: 'Mercatorinsel 1', site: 'Mercatorinsel', berthType: 'freight', lon: 6.7262, lat: 51.4512, maxPowerKW: 87, voltageV: 400 },
  { id: 'LS-MERCATORINSEL-2', name: 'Mercatorinsel 2', site: 'Mercatorinsel', berthType: 'freight', lon: 6.728, lat: 51.4508, maxPowerKW: 87, voltageV: 400 },
];

/** Invented vessel names (any likeness to a real ship is accidental). */
const FREIGHT_VESSELS = [
  'GMS Niederrhein 7', 'MS Anna-Lena', 'GMS Ruhrorter Tor', 'TMS Walsum', 'MS Marxloh', 'GMS Mercator II',
  'MS Hochfeld', 'GMS Zwarte Water', 'MS Lotte K', 'TMS Emscher', 'GMS Homberg 2', 'MS Westkap', 'GMS Vincke',
  'MS Jolanda', 'GMS Baerler Busch', 'TMS Orsoy', 'MS Schwelgern', 'GMS Johanna B',
];
const CRUISE_VESSELS = ['MS Rhein Melodie', 'MS Aurelia Fluvia', 'MS Lorelei Queen', 'MS Amstel Star', 'MS Vista Rhenana', 'MS Ruhr Serenade'];

const SUBSTEP_MS = 60_000;
const CHARGING_REPORT_MS = 60_000;
const IDLE_REPORT_MS = 300_000;
const H = 3_600_000;

interface Session {
  id: string;
  vessel: string;
  departMs: number;
  energyKWh: number;
  baseKW: number;
}

interface PointState {
  p: ShorePowerPoint;
  status: ShorePowerStatus;
  session: Session | null;
  powerKW: number;
  meterKWh: number;
  nextArrivalMs: number;
  until: number; // end of a fault / maintenance
  noise: number;
  nextReportMs: number;
  seq: number;
  dirty: boolean;
}

export class ShorePowerEmulator {
  readonly #rng: Rng;
  readonly #stamp: Stamp;
  readonly #points: PointState[];
  #t = Number.NaN;

  constructor(opts: { rng: Rng; stamp?: Stamp; points?: readonly ShorePowerPoint[] }) {
    this.#rng = opts.rng;
    this.#stamp = opts.stamp ?? identityStamp;
    this.#points = (opts.points ?? SHORE_POWER_POINTS).map((p) => ({
      p,
      status: 'available',
      session: null,
      powerKW: 0,
      meterKWh: Math.round((p.berthType === 'cruise' ? 200_000 : 30_000) * (0.5 + this.#rng.next())),
      nextArrivalMs: Number.NaN,
      until: 0,
      noise: 0,
      nextReportMs: Number.NaN,
      seq: 0,
      dirty: true,
    }));
  }

  meta(tsMs: number): Msg[] {
    const ts = this.#stamp(tsMs);
    return this.#points.map(({ p }) => {
      const m: ShorePowerMeta = {
        id: p.id,
        name: p.name,
        site: p.site,
        operator: 'duisport (angenommen)',
        berthType: p.berthType,
        lon: p.lon,
        lat: p.lat,
        maxPowerKW: p.maxPowerKW,
        voltageV: p.voltageV,
        tsMs: ts,
      };
      return { topic: shorePowerTopics.meta(p.id), payload: JSON.stringify(m), qos: 1 as const, retain: true };
    });
  }

  /** Snapshot for tests and scenarios. */
  points(): readonly Readonly<PointState>[] {
    return this.#points;
  }

  /** Scenario hook: a vessel moors at a point now (if it is free). */
  moorVessel(pointId: string, vesselName?: string, stayHours = 6): void {
    const s = this.#points.find((x) => x.p.id === pointId);
    if (!s) throw new Error(`unknown shore power point ${pointId}`);
    if (s.status !== 'available') return;
    this.#startSession(s, Number.isNaN(this.#t) ? 0 : this.#t, vesselName, stayHours);
  }

  /** Scenario hook: the point faults now (a running session ends). */
  injectFault(pointId: string, hours = 2): void {
    const s = this.#points.find((x) => x.p.id === pointId);
    if (!s) throw new Error(`unknown shore power point ${pointId}`);
    const t = Number.isNaN(this.#t) ? 0 : this.#t;
    this.#endSession(s, t);
    s.status = 'faulted';
    s.until = t + hours * H;
    s.dirty = true;
  }

  step(modelTimeMs: number, dtSec: number): Msg[] {
    const out: Msg[] = [];
    if (Number.isNaN(this.#t)) {
      this.#t = modelTimeMs - dtSec * 1000;
      for (const s of this.#points) {
        if (Number.isNaN(s.nextArrivalMs)) s.nextArrivalMs = this.#t + this.#gapMs(s.p, this.#t) * this.#rng.next();
        s.nextReportMs = this.#t;
      }
    }
    while (this.#t < modelTimeMs) {
      const t1 = Math.min(modelTimeMs, this.#t + SUBSTEP_MS);
      const dt = (t1 - this.#t) / 1000;
      for (const s of this.#points) this.#advance(s, t1, dt);
      this.#t = t1;
      for (const s of this.#points) {
        if (s.dirty || t1 >= s.nextReportMs) {
          out.push(this.#report(s, t1));
          s.dirty = false;
          s.nextReportMs = t1 + (s.status === 'charging' ? CHARGING_REPORT_MS : IDLE_REPORT_MS);
        }
      }
    }
    return out;
  }

  #gapMs(p: ShorePowerPoint, t: number): number {
    if (p.berthType === 'freight') return 4 * H;
    const month = new Date(t).getUTCMonth();
    return month >= 3 && month <= 9 ? 10 * H : 72 * H; // cruise season April-October
  }

  #exp(meanMs: number): number {
    return -Math.log(1 - this.#rng.next()) * meanMs;
  }

  #startSession(s: PointState, t: number, vessel?: string, stayHours?: number): void {
    const cruise = s.p.berthType === 'cruise';
    const names = cruise ? CRUISE_VESSELS : FREIGHT_VESSELS;
    const stayH =
      stayHours ?? (cruise ? 6 + 8 * this.#rng.next() : Math.min(16, Math.max(1, Math.exp(Math.log(5) + 0.6 * this.#gauss()))));
    s.seq++;
    s.session = {
      id: `${s.p.id}-${s.seq}`,
      vessel: vessel ?? names[Math.floor(this.#rng.next() * names.length)]!,
      departMs: t + stayH * H,
      energyKWh: 0,
      baseKW: cruise ? 150 + 180 * this.#rng.next() : 5 + 25 * this.#rng.next(),
    };
    s.status = 'charging';
    s.dirty = true;
  }

  #endSession(s: PointState, t: number): void {
    if (!s.session) return;
    s.session = null;
    s.powerKW = 0;
    s.status = 'available';
    s.nextArrivalMs = t + this.#exp(this.#gapMs(s.p, t));
    s.dirty = true;
  }

  #gauss(): number {
    const u = 1 - this.#rng.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.#rng.next());
  }

  #advance(s: PointState, t: number, dt: number): void {
    if (s.status === 'faulted' || s.status === 'offline') {
      if (t >= s.until) {
        s.status = 'available';
        s.nextArrivalMs = Math.max(s.nextArrivalMs, t + this.#exp(H));
        s.dirty = true;
      }
      return;
    }
    if (s.status === 'available') {
      // Maintenance: about every two months, a few hours.
      if (this.#rng.next() < dt / (60 * 86_400)) {
        s.status = 'offline';
        s.until = t + (2 + 4 * this.#rng.next()) * H;
        s.dirty = true;
        return;
      }
      if (t >= s.nextArrivalMs) this.#startSession(s, t);
      else return;
    }
    const ses = s.session!;
    if (t >= ses.departMs) {
      this.#endSession(s, t);
      return;
    }
    // Faults: ~0.3 % per hour of supply.
    if (this.#rng.next() < (0.003 * dt) / 3600) {
      this.#endSession(s, t);
      s.status = 'faulted';
      s.until = t + (0.5 + 2.5 * this.#rng.next()) * H;
      return;
    }
    const h = berlinHour(t);
    const daily = 1 + 0.25 * Math.exp(-(((h - 7.5) / 1.5) ** 2)) + 0.3 * Math.exp(-(((h - 19) / 2) ** 2)) - 0.15 * (h < 5 ? 1 : 0);
    s.noise = 0.9 * s.noise + 0.1 * this.#gauss();
    const kw = Math.max(0.5, Math.min(s.p.maxPowerKW, ses.baseKW * daily * (1 + 0.08 * s.noise)));
    s.powerKW = kw;
    ses.energyKWh += (kw * dt) / 3600;
    s.meterKWh += (kw * dt) / 3600;
  }

  #report(s: PointState, t: number): Msg {
    const r = (x: number) => Math.round(x * 10) / 10;
    const ses = s.session;
    const sessionPart = ses ? `,"sessionId":"${ses.id}","vesselName":${JSON.stringify(ses.vessel)}` : '';
    return {
      topic: shorePowerTopics.state(s.p.id),
      payload: `{"tsMs":${this.#stamp(t)},"status":"${s.status}"${sessionPart},"powerKW":${r(ses ? s.powerKW : 0)},"sessionEnergyKWh":${r(ses ? ses.energyKWh : 0)},"meterKWh":${r(s.meterKWh)}}`,
      qos: 0,
      retain: false,
    };
  }
}
