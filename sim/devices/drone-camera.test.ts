import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { INTERSECTIONS, LINKS } from '../city/duisburg.ts';
import { TrafficModel } from '../traffic/model.ts';
import { DroneEmulator, destination } from './drone.ts';
import { DroneCamera, type CameraPose } from './drone-camera.ts';
import { extrapolatePose } from '../drone-video.ts';
import { Rng } from '../rng.ts';

const INC = { lon: 6.7682, lat: 51.4391 };

describe('DroneCamera', () => {
  it('projects like a pinhole with the protocol pose: nadir at 100 m, 90°x90°: 100 m east is the right edge, 100 m north the top', () => {
    const cam = new DroneCamera({ width: 200, height: 200, renderScale: 1 });
    const pose: CameraPose = { ...INC, altM: 100, headingDeg: 0, pitchDeg: -90, yawDeg: 0, hfovDeg: 90, vfovDeg: 90 };
    const [east] = [destination(INC.lon, INC.lat, 90, 100)];
    const [north] = [destination(INC.lon, INC.lat, 0, 100)];
    const pe = cam.project(pose, east[0], east[1]);
    const pn = cam.project(pose, north[0], north[1]);
    const pc = cam.project(pose, INC.lon, INC.lat);
    expect(pc[0]).toBeCloseTo(100, 0);
    expect(pc[1]).toBeCloseTo(100, 0);
    expect(pc[2]).toBeCloseTo(100, 3);
    expect(pe[0]).toBeCloseTo(200, 0);
    expect(pe[1]).toBeCloseTo(100, 0);
    expect(pn[0]).toBeCloseTo(100, 0);
    expect(pn[1]).toBeCloseTo(0, 0);
    // Yawed east, the image top points east.
    const pe2 = cam.project({ ...pose, yawDeg: 90 }, east[0], east[1]);
    expect(pe2[1]).toBeCloseTo(0, 0);
  });

  it('draws the road network where the city model has it: asphalt under a nadir camera over a link', () => {
    const link = LINKS.find((l) => l.geometry.length >= 2 && l.lanes >= 2)!;
    const [a, b] = [link.geometry[0]!, link.geometry[1]!];
    const cam = new DroneCamera({ width: 320, height: 180, renderScale: 1 });
    const px = cam.render({ lon: (a[0] + b[0]) / 2, lat: (a[1] + b[1]) / 2, altM: 120, headingDeg: 0, pitchDeg: -90, yawDeg: 0, hfovDeg: 63, vfovDeg: 37.9 }, 0);
    // The centre pixel lies on the link: asphalt grey (64, 66, 70 with a little haze) or a vehicle on it.
    const o = (90 * 320 + 160) * 4;
    const grey = Math.abs(px[o]! - px[o + 2]!) < 20 && px[o]! < 110;
    let asphalt = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i]! < 90 && px[i + 1]! < 95 && px[i + 2]! < 100 && Math.abs(px[i]! - px[i + 2]!) < 12) asphalt++;
    expect(asphalt).toBeGreaterThan(300);
    expect(grey || asphalt > 1000).toBe(true);
  });

  it('renders the vehicles of the real traffic model, queues included, everywhere over the city', () => {
    // No controllers here (give-way); every stop line nearly closed, as by an incident, so queues build.
    const model = TrafficModel.create(INTERSECTIONS, LINKS, { seed: 1, startMs: Date.UTC(2026, 10, 18, 7), arrivals: 'fluid' });
    for (const x of INTERSECTIONS) for (const a of x.approaches) model.restrictApproach(x.id, a.id, { capacityFactor: 0.05 });
    for (let s = 0; s < 600; s++) model.step();
    const queued = INTERSECTIONS.flatMap((x) => x.approaches.map((a) => model.queueVeh(x.id, a.id))).filter((q) => q >= 1);
    expect(queued.length).toBeGreaterThan(20);
    const cam = new DroneCamera({ width: 160, height: 90, renderScale: 1, scene: { traffic: model, incident: INC } });
    // Over every link of the model: no throw, and the traffic shows (not the empty road of no model).
    for (const l of LINKS) {
      const [a] = l.geometry;
      cam.render({ lon: a![0], lat: a![1], altM: 150, headingDeg: 0, pitchDeg: -60, yawDeg: 45, hfovDeg: 63, vfovDeg: 37.9 }, 1_000_000);
    }
    expect(model.vehiclesInModel()).toBeGreaterThan(0);
  });

  it('the picture moves: two moments a second apart differ (vehicles, fire, smoke), the same moment is the same', () => {
    const cam = new DroneCamera({ width: 320, height: 180, renderScale: 1, scene: { incident: INC } });
    const [lon, lat] = destination(INC.lon, INC.lat, 200, 150);
    const pose: CameraPose = { lon, lat, altM: 110, headingDeg: 290, pitchDeg: -36, yawDeg: 20, hfovDeg: 63, vfovDeg: 37.9 };
    const f1 = Buffer.from(cam.render(pose, 1_000_000));
    const f1b = Buffer.from(cam.render(pose, 1_000_000));
    const f2 = Buffer.from(cam.render(pose, 1_001_000));
    expect(f1.equals(f1b)).toBe(true);
    let diff = 0;
    for (let i = 0; i < f1.length; i++) if (f1[i] !== f2[i]) diff++;
    expect(diff).toBeGreaterThan(500);
  });

  it('encodes a JPEG at the output size (render at half size, libvips upscales)', async () => {
    const cam = new DroneCamera({ scene: { incident: INC } });
    expect([cam.width, cam.height]).toEqual([640, 360]);
    const jpeg = await cam.frame({ ...INC, altM: 110, headingDeg: 0, pitchDeg: -60, yawDeg: 0, hfovDeg: 63, vfovDeg: 37.9 }, 0, { droneId: 'fw-du-uas1', frameNo: 1, tsMs: 0 });
    expect(jpeg[0]).toBe(0xff);
    expect(jpeg[1]).toBe(0xd8);
    const meta = await sharp(jpeg).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([1280, 720, 'jpeg']);
  });

  it('extrapolates the emulator pose between steps along heading at ground speed', () => {
    const d = new DroneEmulator({ rng: new Rng(1) });
    d.startMission('E-1', INC.lon, INC.lat);
    const t0 = Date.UTC(2026, 10, 18, 13);
    for (let s = 1; s <= 60; s++) d.step(t0 + s * 1000, 1);
    const s0 = d.state();
    expect(s0.flightMode).toBe('transit');
    const p = extrapolatePose(d, 1);
    const moved = Math.hypot((p.lon - s0.lon) * Math.cos((s0.lat * Math.PI) / 180), p.lat - s0.lat) * 111_195;
    expect(moved).toBeCloseTo(s0.groundSpeedMs, 0);
  });
});
