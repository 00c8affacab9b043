/**
 * Grouping of the alarm list by cause (ISA-18.2 §16.6 / EEMUA 191: present consequential alarms
 * with their cause so the operator handles one situation, not N rows). The hub's alarm engine
 * records the cause of an alarm in `causeId` (e.g. a lamp-out alarm names its cabinet's
 * supply-failure alarm) and suppresses consequences (DSUPR) while the cause is active; those are
 * counted in the cause's group. Alarms without a recorded cause relation are grouped by alarm type
 * (condition) and operator area, e.g. every "comms lost" of traffic signals together.
 */
import type { AlarmEntity, AlarmPriority } from '../../../protocol/index.ts';

export const PRIORITY_RANK: Record<AlarmPriority, number> = { high: 0, medium: 1, low: 2, diagnostic: 3 };

export interface AlarmGroup {
  /** `cause:{alarmId}` or `type:{condition}|{area}`. */
  key: string;
  kind: 'cause' | 'type';
  /** The cause alarm of a cause group (also when it is not itself listed, e.g. shelved). */
  cause: AlarmEntity | null;
  condition: string;
  area: string;
  /** Listed alarms of the group, in list order. */
  members: AlarmEntity[];
  /** Consequences held back (DSUPR) because their cause is active. */
  suppressed: number;
  priority: AlarmPriority;
  /** Earliest activation among the members (or their last change when never active). */
  oldestMs: number;
  /** Members that still need an acknowledgement (UNACK, RTNUN). */
  unacked: AlarmEntity[];
}

const needsAck = (a: AlarmEntity) => a.state === 'UNACK' || a.state === 'RTNUN';

/**
 * Groups the listed alarms (`shown`, already in list order) using the whole alarm set (`all`) to
 * find causes and suppressed consequences. Groups are ordered like the list: groups with an
 * unacknowledged member first, then by highest priority, then by their newest change.
 */
export function groupAlarms(all: readonly AlarmEntity[], shown: readonly AlarmEntity[]): AlarmGroup[] {
  const byId = new Map(all.map((a) => [a.id, a]));
  const isCause = new Set<string>();
  for (const a of all) if (a.causeId && byId.has(a.causeId)) isCause.add(a.causeId);

  const groups = new Map<string, AlarmGroup>();
  const open = (key: string, kind: AlarmGroup['kind'], cause: AlarmEntity | null, a: AlarmEntity): AlarmGroup => {
    let g = groups.get(key);
    if (!g) {
      const c = cause ?? a;
      g = { key, kind, cause, condition: c.condition, area: c.area, members: [], suppressed: 0, priority: a.priority, oldestMs: Infinity, unacked: [] };
      groups.set(key, g);
    }
    return g;
  };
  for (const a of shown) {
    const causeId = a.causeId && byId.has(a.causeId) ? a.causeId : isCause.has(a.id) ? a.id : null;
    const g = causeId ? open(`cause:${causeId}`, 'cause', byId.get(causeId)!, a) : open(`type:${a.condition}|${a.area}`, 'type', null, a);
    g.members.push(a);
    if (PRIORITY_RANK[a.priority] < PRIORITY_RANK[g.priority]) g.priority = a.priority;
    g.oldestMs = Math.min(g.oldestMs, a.activeSinceMs ?? a.lastChangeMs);
    if (needsAck(a)) g.unacked.push(a);
  }
  for (const a of all) {
    if (a.state !== 'DSUPR' || !a.causeId) continue;
    const g = groups.get(`cause:${a.causeId}`);
    if (g) g.suppressed++;
  }
  const newest = (g: AlarmGroup) => Math.max(...g.members.map((m) => m.lastChangeMs));
  return [...groups.values()].sort(
    (x, y) => Number(y.unacked.length > 0) - Number(x.unacked.length > 0) || PRIORITY_RANK[x.priority] - PRIORITY_RANK[y.priority] || newest(y) - newest(x),
  );
}
