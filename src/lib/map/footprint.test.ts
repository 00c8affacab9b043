import { describe, expect, it } from 'vitest';
import { cameraFootprint, toLocalMetres, MIN_DEPRESSION_DEG } from './footprint.ts';

const lon0 = 6.7625;
const lat0 = 51.4316;
const local = (fp: [number, number][] | null) => fp!.map((p) => toLocalMetres(lon0, lat0, p));
const near = (a: [number, number], b: [number, number], tol = 0.05) => {
  expect(Math.abs(a[0] - b[0])).toBeLessThan(tol);
  expect(Math.abs(a[1] - b[1])).toBeLessThan(tol);
};

describe('cameraFootprint', () => {
  it('nadir camera at 100 m with 90°×90° FOV sees a 200 m square centred under the drone', () => {
    const fp = local(cameraFootprint({ lon: lon0, lat: lat0, altM: 100, camera: { pitchDeg: -90, yawDeg: 0, hfovDeg: 90, vfovDeg: 90 } }));
    // top-left, top-right, bottom-right, bottom-left of the image; image top points to the yaw (north)
    near(fp[0]!, [-100, 100]);
    near(fp[1]!, [100, 100]);
    near(fp[2]!, [100, -100]);
    near(fp[3]!, [-100, -100]);
  });

  it('nadir camera yawed east has the image top towards the east', () => {
    const fp = local(cameraFootprint({ lon: lon0, lat: lat0, altM: 50, camera: { pitchDeg: -90, yawDeg: 90, hfovDeg: 90, vfovDeg: 90 } }));
    near(fp[0]!, [50, 50]); // top-left: far (east) and left (north)
    near(fp[1]!, [50, -50]);
    near(fp[2]!, [-50, -50]);
    near(fp[3]!, [-50, 50]);
  });

  it('camera looking east 45° down: a trapezoid from tan-geometry of the edge rays', () => {
    // vfov 30°: near edge ray 60° down → 100/tan60 = 57.74 m; far edge 30° down → 100/tan30 = 173.21 m.
    // hfov 60°: corner ray d = f + r·tan30·sx + u·tan15·sy, lateral = 100·tan30/(-d.z):
    //   far:  d.z = -sin45 + cos45·tan15 = -0.51764 → lateral 111.54 m
    //   near: d.z = -sin45 - cos45·tan15 = -0.89658 → lateral 64.39 m
    const fp = local(cameraFootprint({ lon: lon0, lat: lat0, altM: 100, camera: { pitchDeg: -45, yawDeg: 90, hfovDeg: 60, vfovDeg: 30 } }));
    near(fp[0]!, [173.21, 111.54]); // far left = north
    near(fp[1]!, [173.21, -111.54]);
    near(fp[2]!, [57.74, -64.39]);
    near(fp[3]!, [57.74, 64.39]);
  });

  it('clips the far edge when the image reaches above the horizon', () => {
    const fp = local(cameraFootprint({ lon: lon0, lat: lat0, altM: 100, camera: { pitchDeg: -10, yawDeg: 0, hfovDeg: 60, vfovDeg: 40 } }));
    const farCentre = (fp[0]![1] + fp[1]![1]) / 2;
    expect(farCentre).toBeCloseTo(100 / Math.tan((MIN_DEPRESSION_DEG * Math.PI) / 180), 0);
    // near edge unclipped: 30° down
    expect(fp[3]![1]).toBeCloseTo(100 / Math.tan((30 * Math.PI) / 180), 0);
  });

  it('cuts the far edge at maxRangeM when asked', () => {
    const fp = local(cameraFootprint({ lon: lon0, lat: lat0, altM: 100, camera: { pitchDeg: -10, yawDeg: 0, hfovDeg: 60, vfovDeg: 40 } }, 500));
    expect((fp[0]![1] + fp[1]![1]) / 2).toBeCloseTo(500, 0);
  });

  it('is null when the whole image is above the horizon or the drone is on the ground', () => {
    expect(cameraFootprint({ lon: lon0, lat: lat0, altM: 100, camera: { pitchDeg: 10, yawDeg: 0, hfovDeg: 60, vfovDeg: 10 } })).toBeNull();
    expect(cameraFootprint({ lon: lon0, lat: lat0, altM: 0, camera: { pitchDeg: -90, yawDeg: 0, hfovDeg: 60, vfovDeg: 40 } })).toBeNull();
  });
});
