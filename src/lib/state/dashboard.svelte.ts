/**
 * Page-level state of the traffic dashboard: the realtime connection, the families it shows and
 * the user's selection. Components get what they need from here, as props.
 */
import type { TlsEntity } from '../../../protocol/index.ts';
import { RealtimeClient } from '../realtime/client.svelte.ts';
import { FamilyStore } from './family-store.svelte.ts';
import { Clock } from './clock.svelte.ts';

export interface ClientConfig {
  hubId: string;
  version: string;
  basemapStyleUrl: string;
  tickHz: number;
}

export class Dashboard {
  readonly rt = new RealtimeClient();
  readonly tls = new FamilyStore('tls');
  readonly alarms = new FamilyStore('alarms');
  readonly clock = new Clock();
  selectedId = $state<string | null>(null);

  readonly selected = $derived.by((): TlsEntity | null => {
    void this.tls.version;
    return this.selectedId ? (this.tls.byId.get(this.selectedId) ?? null) : null;
  });
  readonly hubNowMs = $derived(this.clock.nowMs + this.rt.clockOffsetMs);
  readonly ageSec = $derived(this.tls.ageSec(this.hubNowMs));
  readonly stale = $derived(this.rt.status !== 'live' || this.tls.isStale(this.hubNowMs));
  /** Client-side view of the ISA-18.2 flood rule for the traffic area (the hub counts the same). */
  readonly trafficFlood = $derived(
    this.alarms.list.filter((a) => a.area === 'traffic' && a.activeSinceMs !== null && this.hubNowMs - a.activeSinceMs < 600_000).length > 10,
  );
  /** Sum of all installations' flow: one number that says "the city is moving". */
  readonly cityFlowVehH = $derived(this.tls.list.reduce((s, e) => s + (e.flowVehH ?? 0), 0));
  readonly busiest = $derived([...this.tls.list].sort((a, b) => (b.flowVehH ?? -1) - (a.flowVehH ?? -1)).slice(0, 12));

  start(): () => void {
    const stopClock = this.clock.start();
    const unsubTls = this.rt.subscribe('tls', {
      snapshot: (s) => this.tls.applySnapshot(s),
      delta: (d) => this.tls.applyDelta(d),
    });
    const unsubAlarms = this.rt.subscribe('alarms', {
      snapshot: (s) => this.alarms.applySnapshot(s),
      delta: (d) => this.alarms.applyDelta(d),
    });
    return () => {
      unsubTls();
      unsubAlarms();
      stopClock();
      this.rt.close();
    };
  }
}
