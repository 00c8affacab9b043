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
  readonly clock = new Clock();
  selectedId = $state<string | null>(null);

  readonly selected = $derived.by((): TlsEntity | null => {
    void this.tls.version;
    return this.selectedId ? (this.tls.byId.get(this.selectedId) ?? null) : null;
  });
  readonly hubNowMs = $derived(this.clock.nowMs + this.rt.clockOffsetMs);
  readonly ageSec = $derived(this.tls.ageSec(this.hubNowMs));
  readonly stale = $derived(this.rt.status !== 'live' || this.tls.isStale(this.hubNowMs));
  /** Sum of all installations' flow: one number that says "the city is moving". */
  readonly cityFlowVehH = $derived(this.tls.list.reduce((s, e) => s + (e.flowVehH ?? 0), 0));
  readonly busiest = $derived([...this.tls.list].sort((a, b) => (b.flowVehH ?? -1) - (a.flowVehH ?? -1)).slice(0, 12));

  start(): () => void {
    const stopClock = this.clock.start();
    const unsub = this.rt.subscribe('tls', {
      snapshot: (s) => this.tls.applySnapshot(s),
      delta: (d) => this.tls.applyDelta(d),
    });
    return () => {
      unsub();
      stopClock();
      this.rt.close();
    };
  }
}
