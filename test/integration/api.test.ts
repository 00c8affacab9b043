/**
 * The REST API of a running hub: every registered path is in the OpenAPI document, history as
 * JSON and CSV, series search, and 400 with a reason for bad parameters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './harness.ts';

let th: TestHub;
beforeAll(async () => {
  th = await startTestHub();
  const s = th.hub.store.seriesId('tls:K001', 'flowVehH');
  th.hub.store.addSample(s, 1000, 10);
  th.hub.store.addSample(s, 2000, 20.5);
  th.hub.store.seriesId('tls:K002', 'flowVehH');
  th.hub.store.seriesId('parking:P-CITY', 'occupied');
  await th.hub.store.flush();
});
afterAll(() => th?.close());

const get = (path: string) => th.fetch(path);

describe('OpenAPI document', () => {
  it('documents every path the running hub serves, with the error body', async () => {
    const res = await get('/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, { get?: unknown }>; components: { schemas: Record<string, unknown> } };
    expect(doc.openapi).toBe('3.1.0');
    const served = th.hub.handle.paths();
    expect(served.length).toBeGreaterThanOrEqual(8);
    for (const p of served) expect(doc.paths, `${p} is served but not documented in /api/openapi.json`).toHaveProperty([p]);
    for (const p of Object.keys(doc.paths)) expect(served, `${p} is documented but not served`).toContain(p);
    expect(doc.components.schemas.Error).toBeDefined();
  });
});

describe('GET /api/history', () => {
  it('answers JSON as before', async () => {
    const h = await (await get('/api/history?entity=tls:K001&metric=flowVehH&fromMs=0&toMs=5000')).json();
    expect(h).toEqual({ entity: 'tls:K001', metric: 'flowVehH', fromMs: 0, toMs: 5000, stepSec: 0, tsMs: [1000, 2000], values: [10, 20.5] });
  });

  it('answers CSV as an attachment with format=csv', async () => {
    const res = await get('/api/history?entity=tls:K001&metric=flowVehH&fromMs=0&toMs=5000&format=csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="tls_K001_flowVehH_0_5000\.csv"$/);
    expect(await res.text()).toBe('ts_iso,ts_ms,value\r\n1970-01-01T00:00:01.000Z,1000,10\r\n1970-01-01T00:00:02.000Z,2000,20.5\r\n');
  });

  it.each([
    ['entity=tls:K001&metric=flowVehH&fromMs=0', /toMs/],
    ['entity=tls:K001&metric=flowVehH&fromMs=abc&toMs=5', /fromMs/],
    ['entity=tls:K001&metric=flowVehH&fromMs=10&toMs=5', /toMs must not be before fromMs/],
    ['entity=tls:K001&metric=flowVehH&fromMs=0&toMs=5&maxPoints=1', /maxPoints/],
    ['entity=tls:K001&metric=flowVehH&fromMs=0&toMs=5&format=xml', /format/],
    ['entity=tls:K001&metric=flowVehH&fromMs=0&fromMs=1&toMs=5', /fromMs: given more than once/],
  ])('refuses %s with 400 and a reason', async (qs, reason) => {
    const res = await get(`/api/history?${qs}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('E_BAD_REQUEST');
    expect(body.error.message).toMatch(reason);
  });
});

describe('GET /api/series', () => {
  it('finds series by substring, prefix first, at most limit', async () => {
    expect(await (await get('/api/series?q=K00')).json()).toEqual({
      series: [
        { entity: 'tls:K001', metric: 'flowVehH' },
        { entity: 'tls:K002', metric: 'flowVehH' },
      ],
    });
    expect(((await (await get('/api/series?q=flow&limit=1')).json()) as { series: unknown[] }).series.length).toBe(1);
  });

  it('refuses a bad limit with 400 and a reason', async () => {
    for (const qs of ['limit=0', 'limit=51', 'limit=x']) {
      const res = await get(`/api/series?q=a&${qs}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/limit/);
    }
  });
});
