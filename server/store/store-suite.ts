/**
 * One behavioural suite for every Store implementation: SQLite and PostgreSQL must pass the same
 * tests. Each implementation's test file calls `storeSuite` with a harness that gives a fresh
 * database per test.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS, MINUTE_MS, QUARANTINE_LIMIT, QUARTER_MS, type Retention, type Store } from './types.ts';
import { gtfsSuite } from './gtfs-suite.ts';

export interface StoreHarness {
  /** A fresh, empty database for the next test. */
  setup(): Promise<void>;
  /** Drops it. */
  teardown(): Promise<void>;
  /** Opens a store on the current database (again: reopening sees what was flushed). */
  open(retention?: Partial<Retention>): Promise<Store>;
  /** Raw sample rows as seen through a second, independent connection. */
  rawRowsOutside(): Promise<number>;
}

export function storeSuite(name: string, harness: StoreHarness, opts: { skip?: string } = {}): void {
  const d = opts.skip ? describe.skip : describe;
  if (opts.skip) describe(name, () => it.skip(`skipped: ${opts.skip}`, () => {}));

  d(name, () => {
    let store: Store;
    const reopen = async (retention?: Partial<Retention>) => {
      await store.close();
      store = await harness.open(retention);
      return store;
    };
    beforeEach(async () => {
      await harness.setup();
      store = await harness.open();
    });
    afterEach(async () => {
      await store.close();
      await harness.teardown();
    });

    it('writes nothing until flush, then everything in one go', async () => {
      const s = store.seriesId('tls:K001', 'flowVehH');
      for (let i = 0; i < 100; i++) store.addSample(s, 1000 * i, i);
      expect(store.pendingRows).toBe(100);
      expect(await harness.rawRowsOutside()).toBe(0);
      expect(await store.flush()).toBe(100);
      expect(await harness.rawRowsOutside()).toBe(100);
      expect(await store.flush()).toBe(0);
    });

    it('gives series ids synchronously, stable while open, the same series after a reopen; the same sample twice keeps the last value', async () => {
      const a = store.seriesId('tls:K001', 'flowVehH');
      const b = store.seriesId('tls:K001', 'occupancyPct');
      expect(a).not.toBe(b);
      expect(store.seriesId('tls:K001', 'flowVehH')).toBe(a);
      store.addSample(a, 10, 1);
      store.addSample(a, 10, 2);
      await store.flush();
      store.addSample(a, 10, 3);
      await reopen();
      // A shared PostgreSQL hands out ids at flush (server/store/postgres.ts): a handle is this
      // store's; what must hold across a reopen is that the key names the same series.
      const a2 = store.seriesId('tls:K001', 'flowVehH');
      expect(store.seriesId('tls:K001', 'occupancyPct')).not.toBe(a2);
      expect(store.seriesId('tls:K001', 'flowVehH')).toBe(a2);
      expect(await store.latest('tls:K001', 'flowVehH')).toEqual({ tsMs: 10, value: 3 });
    });

    it('returns raw history when it fits, bucketed averages when it does not', async () => {
      const s = store.seriesId('tls:K001', 'flowVehH');
      for (let i = 0; i < 120; i++) store.addSample(s, i * 1000, i % 2 === 0 ? 100 : 200);
      await store.flush();
      const raw = await store.history('tls:K001', 'flowVehH', 0, 119_000, 1000);
      expect(raw.stepSec).toBe(0);
      expect(raw.tsMs.length).toBe(120);
      const agg = await store.history('tls:K001', 'flowVehH', 0, 119_000, 12);
      expect(agg.stepSec).toBe(10);
      expect(agg.tsMs.length).toBe(12);
      expect(agg.values.every((v) => v === 150)).toBe(true);
      expect((await store.history('tls:NOPE', 'flowVehH', 0, 1, 10)).tsMs).toEqual([]);
    });

    it('finds series by entity or metric substring, prefix matches first', async () => {
      store.seriesId('tls:K001', 'flowVehH');
      store.seriesId('tls:K002', 'flowVehH');
      store.seriesId('parking:P-CITY', 'occupied');
      store.seriesId('cabinet:SK1', 'energyKWh');
      await store.flush();
      expect(await store.searchSeries('k00', 50)).toEqual([
        { entity: 'tls:K001', metric: 'flowVehH' },
        { entity: 'tls:K002', metric: 'flowVehH' },
      ]);
      expect((await store.searchSeries('OCC', 50)).map((r) => r.entity)).toEqual(['parking:P-CITY']);
      expect((await store.searchSeries('tls', 50)).length).toBe(2);
      expect((await store.searchSeries('', 3)).length).toBe(3);
      expect(await store.searchSeries('%', 50)).toEqual([]);
    });

    it('keeps a bounded quarantine with the raw payload and the reason', async () => {
      for (let i = 0; i < QUARANTINE_LIMIT + 50; i++) store.addQuarantine(i, 't/x', 'schema', `row ${i}`, Buffer.from(`{"n":${i}}`));
      await store.flush();
      const rows = await store.quarantine(1);
      expect(rows[0]).toMatchObject({ reason: 'schema', detail: `row ${QUARANTINE_LIMIT + 49}` });
      expect(Buffer.from(rows[0]!.payload).toString()).toBe(`{"n":${QUARANTINE_LIMIT + 49}}`);
      expect((await store.quarantine(QUARANTINE_LIMIT * 2)).length).toBe(QUARANTINE_LIMIT);
    });

    it('survives reopening: data flushed before close is there after', async () => {
      const s = store.seriesId('tls:K002', 'occupancyPct');
      store.addSample(s, 5, 12.5);
      await reopen();
      expect(await store.latest('tls:K002', 'occupancyPct')).toEqual({ tsMs: 5, value: 12.5 });
    });

    it('keeps alarm state and full transition history across a reopen', async () => {
      const a = { id: 'tls:K1|lost', entity: 'tls:K1', condition: 'lost', priority: 'high' as const, area: 'traffic', state: 'UNACK' as const, message: 'K1 lost', activeSinceMs: 1, lastChangeMs: 1, ackedBy: null, shelvedUntilMs: null, shelveReason: null, causeId: null };
      store.addAlarmTransition(a, { alarmId: a.id, from: 'NORM', to: 'UNACK', atMs: 1, by: 'system', reason: 'K1 lost' });
      store.addAlarmTransition({ ...a, state: 'ACKED', lastChangeMs: 2, ackedBy: 'anna' }, { alarmId: a.id, from: 'UNACK', to: 'ACKED', atMs: 2, by: 'anna', reason: 'acknowledged' });
      await reopen();
      expect(await store.loadAlarms()).toEqual([{ ...a, state: 'ACKED', lastChangeMs: 2, ackedBy: 'anna' }]);
      expect((await store.alarmEvents(a.id)).map((e) => `${e.from}>${e.to} by ${e.by}`)).toEqual(['UNACK>ACKED by anna', 'NORM>UNACK by system']);
    });

    describe('retention and roll-ups', () => {
      // Small retentions so the test is quick; the logic is the same at 7/90/730 days.
      const retention = { rawDays: 1, oneMinuteDays: 3, fifteenMinuteDays: 8, alarmEventDays: 5, quarantineDays: 1 };
      const END = Date.UTC(2025, 0, 20); // midnight: every bucket boundary lines up with it
      const DAYS = 12;
      const START = END - DAYS * DAY_MS;
      const STEP = 30_000;
      /** Deterministic, non-trivial values (and an integer, so sums are exact). */
      const valueAt = (series: number, ts: number) => ((ts / STEP) * 7 + series * 3) % 11;
      const ENTITIES = ['tls:K001', 'tls:K002'];
      /** Hand-computed aggregate of one series over [lo, hi). */
      const expectAgg = (series: number, lo: number, hi: number) => {
        const vs: number[] = [];
        for (let t = lo; t < hi; t += STEP) vs.push(valueAt(series, t));
        return { avg: vs.reduce((a, b) => a + b, 0) / vs.length, min: Math.min(...vs), max: Math.max(...vs), count: vs.length };
      };

      it('never grows without bound: a day of data a day for 12 days, maintenance each day', async () => {
        store = await reopen(retention);
        const ids = ENTITIES.map((e) => store.seriesId(e, 'flowVehH'));
        let sawChunks = false;
        const perDay = DAY_MS / STEP;
        for (let day = 0; day < DAYS; day++) {
          const lo = START + day * DAY_MS;
          for (let t = lo; t < lo + DAY_MS; t += STEP) ids.forEach((id, k) => store.addSample(id, t, valueAt(k, t)));
          store.addQuarantine(lo, 'x/y', 'schema', `day ${day}`, Buffer.from('{}'));
          store.addAlarmTransition(
            { id: 'a', entity: 'tls:K001', condition: 'lost', priority: 'high', area: 'traffic', state: 'UNACK', message: '', activeSinceMs: lo, lastChangeMs: lo, ackedBy: null, shelvedUntilMs: null, shelveReason: null, causeId: null },
            { alarmId: 'a', from: 'NORM', to: 'UNACK', atMs: lo, by: 'system', reason: `day ${day}` },
          );
          await store.flush();
          const rep = await store.maintain(lo + DAY_MS);
          if (rep.chunks > 5) sawChunks = true; // 5 tables, one of them needed more than one chunk
          const c = await store.counts();
          // The bound: what the retentions allow, whatever the number of days inserted.
          expect(c.raw).toBeLessThanOrEqual(ids.length * (retention.rawDays * perDay + 2 * MINUTE_MS / STEP));
          expect(c.oneMinute).toBeLessThanOrEqual(ids.length * (retention.oneMinuteDays * 1440 + 15));
          expect(c.fifteenMinute).toBeLessThanOrEqual(ids.length * retention.fifteenMinuteDays * 96);
          expect(c.quarantine).toBeLessThanOrEqual(retention.quarantineDays + 1);
          expect(c.alarmEvents).toBeLessThanOrEqual(retention.alarmEventDays + 1);
        }
        expect(sawChunks).toBe(true);

        // Exactly: raw from END-1d (the 1-minute watermark is END-2min, past it), 1-minute rows
        // [END-3d, END-2min), 15-minute rows [END-8d, END-15min).
        const c = await store.counts();
        expect(c.raw).toBe(ids.length * perDay);
        expect(c.oneMinute).toBe(ids.length * (3 * 1440 - 2));
        expect(c.fifteenMinute).toBe(ids.length * (8 * 96 - 1));
        expect(c.quarantine).toBe(1); // received at END-1d exactly: kept
        expect(c.alarmEvents).toBe(5);

        // A second run at the same time changes nothing.
        const again = await store.maintain(END);
        expect(again.pruned).toEqual({ raw: 0, oneMinute: 0, fifteenMinute: 0, quarantine: 0, alarmEvents: 0 });
        expect(await store.counts()).toEqual(c);

        // Aggregates equal hand-computed ones: a 1-minute bucket read back through history()...
        const m = END - 2 * DAY_MS + 37 * MINUTE_MS;
        const h1 = await store.history('tls:K002', 'flowVehH', m, m + 10 * MINUTE_MS - 1, 10);
        expect(h1.stepSec).toBe(60);
        expect(h1.tsMs[0]).toBe(m);
        expect(h1.values[0]).toBeCloseTo(expectAgg(1, m, m + MINUTE_MS).avg, 9);
        expect(h1.values.length).toBe(10);
        // ... and a 15-minute one from a range only the 15-minute table still holds.
        const q = END - 6 * DAY_MS + 8 * QUARTER_MS;
        const h15 = await store.history('tls:K001', 'flowVehH', q, q + 4 * QUARTER_MS - 1, 4);
        expect(h15.stepSec).toBe(900);
        expect(h15.tsMs).toEqual([0, 1, 2, 3].map((i) => q + i * QUARTER_MS));
        h15.values.forEach((v, i) => expect(v).toBeCloseTo(expectAgg(0, q + i * QUARTER_MS, q + (i + 1) * QUARTER_MS).avg, 9));
        // A chart over the whole retained range reads 15-minute rows; the last hour reads raw.
        const all = await store.history('tls:K001', 'flowVehH', END - 8 * DAY_MS, END, 1000);
        expect(all.stepSec).toBe(900);
        expect(all.tsMs.length).toBeLessThanOrEqual(8 * 96);
        const lastHour = await store.history('tls:K001', 'flowVehH', END - 3600_000, END, 1000);
        expect(lastHour.stepSec).toBe(0);
        expect(lastHour.tsMs.length).toBe(120);
      });

      it('rolls up min, max, count exactly, and recomputes minutes that receive late samples', async () => {
        store = await reopen(retention);
        const id = store.seriesId('tls:K001', 'flowVehH');
        const lo = END - 2 * 3600_000;
        for (let t = lo; t < END; t += STEP) store.addSample(id, t, valueAt(0, t));
        await store.maintain(END);
        const probe = lo + 17 * MINUTE_MS;
        const want = expectAgg(0, probe, probe + MINUTE_MS);
        const h = await store.history('tls:K001', 'flowVehH', lo, END - 1, 100);
        expect(h.stepSec).toBe(120); // 2 h / 100 points, rounded up to whole minutes
        // A late sample inside an already rolled-up minute: the minute is rolled up again.
        store.addSample(id, probe + 10_000, 1000);
        await store.flush();
        await store.maintain(END + MINUTE_MS);
        const h2 = await store.history('tls:K001', 'flowVehH', probe, probe + MINUTE_MS - 1, 1);
        expect(h2.stepSec).toBe(60);
        expect(h2.values[0]).toBeCloseTo((want.avg * want.count + 1000) / (want.count + 1), 9);
      });

      it('replay: where raw samples are pruned, the latest closed 1-minute aggregate stands in for the value at atMs', async () => {
        store = await reopen(retention);
        const id = store.seriesId('parking:P1', 'vacant');
        // Three days of a sample every 30 s: after maintenance raw is kept 1 day, 1-minute 3 days.
        for (let t = END - 3 * DAY_MS; t < END; t += STEP) store.addSample(id, t, valueAt(0, t));
        await store.maintain(END);
        const at = END - 2 * DAY_MS + 7 * MINUTE_MS + 20_000; // raw pruned here
        const rows = await store.valuesAt('parking:', at, 5 * MINUTE_MS);
        expect(rows).toHaveLength(1);
        // The minute [at-80 s, at-20 s) is the last one closed by atMs.
        const bucket = Math.floor(at / MINUTE_MS) * MINUTE_MS - MINUTE_MS;
        expect(rows[0]).toMatchObject({ entity: 'parking:P1', metric: 'vacant', source: '1m', tsMs: bucket });
        expect(rows[0]!.value).toBeCloseTo(expectAgg(0, bucket, bucket + MINUTE_MS).avg, 9);
        // Inside raw retention the raw sample wins.
        const recent = END - 3600_000 + 45_000;
        const r2 = await store.valuesAt('parking:', recent, 5 * MINUTE_MS);
        expect(r2[0]).toMatchObject({ source: 'raw', tsMs: END - 3600_000 + 30_000, value: valueAt(0, END - 3600_000 + 30_000) });
      });
    });

    it('replay: the latest sample at or before atMs per series of the entities with a prefix, within the look-back', async () => {
      const vac = store.seriesId('parking:P1', 'vacant');
      const occ = store.seriesId('parking:P1', 'occupied');
      const vac2 = store.seriesId('parking:P2', 'vacant');
      const other = store.seriesId('parkingX:Z', 'vacant'); // shares the prefix text without the colon
      const tls = store.seriesId('tls:K001', 'flowVehH');
      for (const [sid, t, v] of [
        [vac, 1000, 10],
        [vac, 2000, 20],
        [vac, 3000, 30],
        [occ, 1500, 5],
        [vac2, 500, 99],
        [other, 2000, 1],
        [tls, 2000, 700],
      ] as const)
        store.addSample(sid, t, v);
      await store.flush();
      const at = async (ms: number, back: number) =>
        (await store.valuesAt('parking:', ms, back)).map((r) => `${r.entity}.${r.metric}@${r.tsMs}=${r.value}:${r.source}`).sort();
      // At 2500: vacant's last sample is at 2000 (not the later 3000); P2's sample at 500 is older than the 1.5 s look-back.
      expect(await at(2500, 1500)).toEqual(['parking:P1.occupied@1500=5:raw', 'parking:P1.vacant@2000=20:raw']);
      // A sample exactly at atMs counts; a longer look-back reaches P2.
      expect(await at(3000, 10_000)).toEqual(['parking:P1.occupied@1500=5:raw', 'parking:P1.vacant@3000=30:raw', 'parking:P2.vacant@500=99:raw']);
      // Before the first sample: nothing.
      expect(await at(400, 10_000)).toEqual([]);
      expect((await store.valuesAt('tls:', 2000, 1000)).map((r) => r.value)).toEqual([700]);
      expect(await store.valuesAt('nothing:', 2000, 1000)).toEqual([]);
    });

    it('lists alarm transitions of all alarms within a time range, oldest first', async () => {
      const a = { id: 'x|fault', state: 'UNACK', lastChangeMs: 20 } as unknown as Parameters<Store['addAlarmTransition']>[0];
      store.addAlarmTransition(a, { alarmId: 'x|fault', from: 'NORM', to: 'UNACK', atMs: 20, by: 'system', reason: '' });
      store.addAlarmTransition(a, { alarmId: 'y|fault', from: 'NORM', to: 'UNACK', atMs: 10, by: 'system', reason: '' });
      store.addAlarmTransition(a, { alarmId: 'x|fault', from: 'UNACK', to: 'ACKED', atMs: 40, by: 'anna', reason: '' });
      expect((await store.alarmEventsBetween(10, 30)).map((e) => [e.alarmId, e.atMs])).toEqual([
        ['y|fault', 10],
        ['x|fault', 20],
      ]);
    });

    describe('accounts', () => {
      it('creates a user with a unique name, updates it in place and lists users', async () => {
        const u = await store.upsertUser({ username: 'anna', role: 'operator', passwordHash: 'h1' }, 1000);
        expect(u).toMatchObject({ username: 'anna', role: 'operator', passwordHash: 'h1', disabled: false, createdMs: 1000 });
        const again = await store.upsertUser({ username: 'anna', role: 'admin', passwordHash: 'h2' }, 2000);
        expect(again).toMatchObject({ id: u.id, role: 'admin', passwordHash: 'h2', createdMs: 1000 });
        expect(await store.updateUser('anna', { disabled: true })).toBe(true);
        expect(await store.updateUser('nobody', { disabled: true })).toBe(false);
        expect((await store.user('anna'))!.disabled).toBe(true);
        expect(await store.user('nobody')).toBeNull();
        await store.upsertUser({ username: 'bert', role: 'fire', passwordHash: 'h3' }, 3000);
        expect((await store.users()).map((x) => x.username)).toEqual(['anna', 'bert']);
      });

      it('keeps sessions by hash until they expire, the user is disabled or they are deleted', async () => {
        const u = await store.upsertUser({ username: 'anna', role: 'operator', passwordHash: 'h' }, 0);
        await store.createSession({ idHash: 'a'.repeat(64), userId: u.id, createdMs: 0, lastSeenMs: 0, expiresMs: 1000 });
        await store.createSession({ idHash: 'b'.repeat(64), userId: u.id, createdMs: 0, lastSeenMs: 0, expiresMs: 5000 });
        expect((await store.liveSessions(2000)).map((s) => s.session.idHash)).toEqual(['b'.repeat(64)]);
        await store.touchSession('b'.repeat(64), 3000, 9000);
        await reopen();
        const live = await store.liveSessions(6000);
        expect(live).toHaveLength(1);
        expect(live[0]).toMatchObject({ session: { lastSeenMs: 3000, expiresMs: 9000, userId: u.id }, user: { username: 'anna', role: 'operator' } });
        await store.updateUser('anna', { disabled: true });
        expect(await store.liveSessions(6000)).toEqual([]);
        await store.updateUser('anna', { disabled: false });
        expect(await store.deleteUserSessions(u.id)).toBe(1);
        await store.createSession({ idHash: 'c'.repeat(64), userId: u.id, createdMs: 0, lastSeenMs: 0, expiresMs: 9000 });
        await store.deleteSession('c'.repeat(64));
        expect(await store.liveSessions(0)).toEqual([]);
      });

      it('stores display tokens by hash and revokes them once', async () => {
        await store.createDisplayToken({ id: 'd1', name: 'Rathaus', tokenHash: 'f'.repeat(64), createdMs: 5, revokedMs: null });
        expect(await store.displayTokens()).toEqual([{ id: 'd1', name: 'Rathaus', tokenHash: 'f'.repeat(64), createdMs: 5, revokedMs: null }]);
        expect(await store.revokeDisplayToken('d1', 7)).toBe(true);
        expect(await store.revokeDisplayToken('d1', 8)).toBe(false);
        expect(await store.revokeDisplayToken('nope', 8)).toBe(false);
        expect((await store.displayTokens())[0]!.revokedMs).toBe(7);
      });

      it('queues audit rows until flush and returns them newest first', async () => {
        store.addAudit({ atMs: 1, principal: 'anna', role: 'operator', action: 'alarm.ack', target: 'x|fault', detail: { a: 1 }, result: 'ok' });
        store.addAudit({ atMs: 2, principal: 'wall-1', role: 'wall', action: 'alarm.ack', target: 'x|fault', detail: {}, result: 'denied' });
        expect(store.pendingRows).toBe(2);
        expect(await store.flush()).toBe(2);
        await reopen();
        const rows = await store.audit(10);
        expect(rows.map((r) => [r.atMs, r.result])).toEqual([
          [2, 'denied'],
          [1, 'ok'],
        ]);
        expect(rows[1]!.detail).toEqual({ a: 1 });
      });
    });

    gtfsSuite(() => store, () => reopen());
  });
}
