/**
 * Alarm system performance KPIs after ISA-18.2 (§16) and EEMUA 191, computed from the stored
 * transitions. Pure: the caller passes the rows and the period.
 *
 * Targets (ISA-18.2 Table 5 / EEMUA 191, per operator position):
 *   annunciated alarms per 10 min: ~1 very likely acceptable, 2 maximum manageable;
 *   share of 10-min periods with more than 10 alarms (flood): < ~1 %;
 *   top 10 most frequent alarms: 1–5 % of all alarms at most;
 *   chattering and fleeting alarms: none;
 *   stale alarms (standing > 24 h): < 5 on any day;
 *   priority distribution of annunciations: ~80 % low, ~15 % medium, ~5 % high.
 */
import type { AlarmEntity, AlarmKpis, AlarmPriority } from '../../protocol/index.ts';

export type { AlarmKpis };
import { FLOOD_THRESHOLD, FLOOD_WINDOW_MS } from './engine.ts';

export interface KpiEvent {
  alarmId: string;
  from: string;
  to: string;
  atMs: number;
}


const CHATTER_COUNT = 3;
const CHATTER_WINDOW_MS = 60_000;
const STALE_MS = 24 * 3600_000;

export function computeAlarmKpis(events: readonly KpiEvent[], alarms: readonly AlarmEntity[], fromMs: number, toMs: number, nowMs: number): AlarmKpis {
  const byId = new Map(alarms.map((a) => [a.id, a]));
  const ann = events.filter((e) => e.to === 'UNACK' && e.atMs >= fromMs && e.atMs < toMs).sort((a, b) => a.atMs - b.atMs);
  const periods = Math.max(1, Math.ceil((toMs - fromMs) / FLOOD_WINDOW_MS));

  const perAreaTimes = new Map<string, number[]>();
  const perAlarm = new Map<string, number[]>();
  const prio: Record<AlarmPriority, number> = { high: 0, medium: 0, low: 0, diagnostic: 0 };
  for (const e of ann) {
    const a = byId.get(e.alarmId);
    const area = a?.area ?? 'unknown';
    let t = perAreaTimes.get(area);
    if (!t) perAreaTimes.set(area, (t = []));
    t.push(e.atMs);
    let p = perAlarm.get(e.alarmId);
    if (!p) perAlarm.set(e.alarmId, (p = []));
    p.push(e.atMs);
    if (a) prio[a.priority]++;
  }

  const perArea: AlarmKpis['perArea'] = {};
  for (const [area, times] of perAreaTimes) {
    const buckets = new Array<number>(periods).fill(0);
    for (const t of times) buckets[Math.min(periods - 1, Math.floor((t - fromMs) / FLOOD_WINDOW_MS))]!++;
    perArea[area] = {
      annunciated: times.length,
      avgPer10Min: round2(times.length / periods),
      maxPer10Min: Math.max(...buckets),
      floodPct: round2((buckets.filter((n) => n > FLOOD_THRESHOLD).length / periods) * 100),
    };
  }

  const ranked = [...perAlarm.entries()].map(([alarmId, t]) => ({ alarmId, count: t.length })).sort((a, b) => b.count - a.count || a.alarmId.localeCompare(b.alarmId));
  const total = ann.length;
  const top = ranked.slice(0, 10).map((r) => ({ ...r, sharePct: total ? round2((r.count / total) * 100) : 0 }));
  const top10SharePct = round2(top.reduce((s, r) => s + r.sharePct, 0));

  const chattering: AlarmKpis['chattering'] = [];
  for (const [alarmId, times] of perAlarm) {
    let max = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! > CHATTER_WINDOW_MS) j++;
      max = Math.max(max, i - j + 1);
    }
    if (max >= CHATTER_COUNT) chattering.push({ alarmId, maxPerMinute: max });
  }

  const stale = alarms
    .filter((a) => (a.state === 'UNACK' || a.state === 'ACKED') && a.activeSinceMs !== null && nowMs - a.activeSinceMs > STALE_MS)
    .map((a) => ({ alarmId: a.id, activeHours: round2((nowMs - a.activeSinceMs!) / 3600_000) }));

  const prioTotal = prio.high + prio.medium + prio.low + prio.diagnostic || 1;
  const priorityPct = {
    high: round2((prio.high / prioTotal) * 100),
    medium: round2((prio.medium / prioTotal) * 100),
    low: round2((prio.low / prioTotal) * 100),
    diagnostic: round2((prio.diagnostic / prioTotal) * 100),
  };
  const worstAvg = Math.max(0, ...Object.values(perArea).map((a) => a.avgPer10Min));
  const worstFlood = Math.max(0, ...Object.values(perArea).map((a) => a.floodPct));
  return {
    fromMs,
    toMs,
    annunciated: total,
    perArea,
    topBadActors: top,
    top10SharePct,
    chattering,
    stale,
    priorityPct,
    targets: {
      avgPer10Min: { target: '<= 1 (2 max manageable)', value: worstAvg, met: worstAvg <= 1 },
      floodPct: { target: '< 1 %', value: worstFlood, met: worstFlood < 1 },
      top10SharePct: { target: '<= 5 %', value: top10SharePct, met: total === 0 || top10SharePct <= 5 },
      chattering: { target: '0', value: chattering.length, met: chattering.length === 0 },
      stale: { target: '< 5', value: stale.length, met: stale.length < 5 },
      highPriorityPct: { target: '~5 %', value: priorityPct.high, met: total === 0 || priorityPct.high <= 10 },
    },
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
