/**
 * Street-lighting operations: energy per district and lamp maintenance work orders. Pure.
 *
 * Energy: power now = Σ cabinet activePowerW per district (→ kW). Energy today = Σ over cabinets of
 * (meter reading now − meter reading at the start of the local day), the baseline being the last
 * reading before local midnight (or the first reading of the day when the hub started later).
 *
 * Work orders: a lamp that reports a fault opens one ('open'); an operator assigns it ('assigned',
 * `assignWorkOrder` — authorisation comes with the security work); when the lamp reports no fault
 * again it is 'fixed' automatically. A later fault opens a new order.
 */
import type { CabinetEntity } from '../../protocol/index.ts';

const berlinDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit' });
/** Local (Europe/Berlin) calendar day 'YYYY-MM-DD' of a UTC instant. */
export const localDay = (tsMs: number) => berlinDay.format(new Date(tsMs));

/** Meter baseline of one cabinet for its local day. */
export interface DayBaseline {
  day: string;
  startKWh: number;
  lastKWh: number;
}

/** The cabinet's baseline after a reading (new day: the last reading before it is the start). */
export function nextBaseline(prev: DayBaseline | undefined, tsMs: number, kWh: number): DayBaseline {
  const day = localDay(tsMs);
  if (!prev) return { day, startKWh: kWh, lastKWh: kWh };
  if (prev.day !== day) return { day, startKWh: prev.lastKWh, lastKWh: kWh };
  // A meter that went backwards was replaced or reset: start again from it.
  if (kWh < prev.lastKWh) return { day, startKWh: kWh - (prev.lastKWh - prev.startKWh), lastKWh: kWh };
  return { ...prev, lastKWh: kWh };
}

export interface DistrictEnergy {
  district: string;
  cabinets: number;
  /** Cabinets that reported a power value. */
  reporting: number;
  powerKW: number;
  energyTodayKWh: number;
}

export function districtEnergy(cabinets: Iterable<Pick<CabinetEntity, 'id' | 'district' | 'activePowerW'>>, baselines: ReadonlyMap<string, DayBaseline>, today: string): DistrictEnergy[] {
  const by = new Map<string, DistrictEnergy>();
  for (const c of cabinets) {
    let d = by.get(c.district);
    if (!d) by.set(c.district, (d = { district: c.district, cabinets: 0, reporting: 0, powerKW: 0, energyTodayKWh: 0 }));
    d.cabinets++;
    if (c.activePowerW !== null) {
      d.reporting++;
      d.powerKW += c.activePowerW / 1000;
    }
    const b = baselines.get(c.id);
    if (b && b.day === today) d.energyTodayKWh += b.lastKWh - b.startKWh;
  }
  const r = (x: number) => Math.round(x * 100) / 100;
  return [...by.values()].map((d) => ({ ...d, powerKW: r(d.powerKW), energyTodayKWh: r(d.energyTodayKWh) })).sort((a, b) => a.district.localeCompare(b.district));
}

export type WorkOrderState = 'open' | 'assigned' | 'fixed';

export interface WorkOrder {
  id: string;
  lampId: string;
  cabinetId: string;
  district: string;
  faults: string[];
  state: WorkOrderState;
  openedMs: number;
  assignedTo: string | null;
  assignedMs: number | null;
  fixedMs: number | null;
}

/** Fixed orders kept for the list (the newest ones). */
export const MAX_FIXED_ORDERS = 2000;

export class WorkOrders {
  readonly byId = new Map<string, WorkOrder>();
  /** lampId → id of its active (open/assigned) order. */
  readonly active = new Map<string, string>();
  #fixed: string[] = [];

  /** The lamp reports faults: opens an order, or updates the active one's fault list. */
  fault(lampId: string, cabinetId: string, district: string, faults: readonly string[], tsMs: number): WorkOrder {
    const cur = this.active.get(lampId);
    if (cur) {
      const o = this.byId.get(cur)!;
      if (o.faults.join() !== faults.join()) o.faults = [...faults];
      return o;
    }
    const o: WorkOrder = { id: `${lampId}@${tsMs}`, lampId, cabinetId, district, faults: [...faults], state: 'open', openedMs: tsMs, assignedTo: null, assignedMs: null, fixedMs: null };
    this.byId.set(o.id, o);
    this.active.set(lampId, o.id);
    return o;
  }

  /** The lamp reports ok again: its active order is fixed. */
  ok(lampId: string, tsMs: number): WorkOrder | null {
    const cur = this.active.get(lampId);
    if (!cur) return null;
    const o = this.byId.get(cur)!;
    o.state = 'fixed';
    o.fixedMs = tsMs;
    this.active.delete(lampId);
    this.#fixed.push(o.id);
    while (this.#fixed.length > MAX_FIXED_ORDERS) this.byId.delete(this.#fixed.shift()!);
    return o;
  }

  list(): WorkOrder[] {
    return [...this.byId.values()].sort((a, b) => b.openedMs - a.openedMs);
  }
}

/**
 * Operator action: assign an open order to a crew. NOT exposed over HTTP yet — the caller must have
 * authenticated and authorised `user` (comes with the security work). Returns the order, or an
 * error string when it cannot be assigned.
 */
export function assignWorkOrder(orders: WorkOrders, id: string, user: string, tsMs: number): WorkOrder | string {
  const o = orders.byId.get(id);
  if (!o) return `no work order ${id}`;
  if (o.state !== 'open') return `work order ${id} is ${o.state}, only open orders can be assigned`;
  o.state = 'assigned';
  o.assignedTo = user;
  o.assignedMs = tsMs;
  return o;
}
