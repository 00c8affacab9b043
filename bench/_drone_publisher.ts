/**
 * Drone video benchmark publisher process: DRONES drones, each a field device publishing binary
 * video frames (protocol/video.ts) at FPS over MQTT. The JPEGs are rendered once up front by the
 * simulator's camera (sim/devices/drone-camera.ts, WIDTHxHEIGHT) and cycled, so the publisher's
 * own CPU does not compete with the hub on a small machine; header (frame number, capture time)
 * is fresh for every frame.
 *   node bench/_drone_publisher.ts MQTT_URL DRONES FPS WIDTH HEIGHT
 */
import mqtt from 'mqtt';
import { droneTopics } from '../protocol/drone.ts';
import { encodeVideoFrame, videoTopic } from '../protocol/video.ts';
import { DroneCamera } from '../sim/devices/drone-camera.ts';
import { destination, initialBearingDeg, haversineM } from '../sim/devices/drone.ts';

const [url, dronesS, fpsS, wS, hS] = process.argv.slice(2) as string[];
const DRONES = Number(dronesS);
const FPS = Number(fpsS);
const W = Number(wS);
const H = Number(hS);
const POOL = 20;
const INC = { lon: 6.7682, lat: 51.4391 };

const cam = new DroneCamera({ width: W, height: H, scene: { incident: INC } });
const drones = Array.from({ length: DRONES }, (_, d) => ({ id: `bench-uas${d + 1}`, frames: [] as { jpeg: Buffer; pose: ReturnType<typeof poseAt> }[] }));
function poseAt(angleDeg: number) {
  const [lon, lat] = destination(INC.lon, INC.lat, angleDeg, 150);
  const dist = haversineM(lon, lat, INC.lon, INC.lat);
  return { lon, lat, altM: 110, headingDeg: (angleDeg + 90) % 360, pitchDeg: (-Math.atan2(110, dist) * 180) / Math.PI, yawDeg: initialBearingDeg(lon, lat, INC.lon, INC.lat), hfovDeg: 63, vfovDeg: 37.9 };
}
// The renderer's cost, measured on the way: JS render alone, and render + libvips upscale + JPEG.
let renderMs = 0;
let frameMs = 0;
for (const [d, dr] of drones.entries()) {
  for (let i = 0; i < POOL; i++) {
    const pose = poseAt(d * 180 + i * 2);
    let t = performance.now();
    cam.render(pose, Date.now() + i * 100);
    renderMs += performance.now() - t;
    t = performance.now();
    dr.frames.push({ jpeg: await cam.frame(pose, Date.now() + i * 100, { droneId: dr.id, frameNo: i, tsMs: Date.now() }), pose });
    frameMs += performance.now() - t;
  }
}
const meanBytes = drones.flatMap((d) => d.frames).reduce((s, f) => s + f.jpeg.length, 0) / (DRONES * POOL);

const client = await mqtt.connectAsync(url!, { clientId: `bench-drone-pub-${process.pid}` });
for (const d of drones) {
  await client.publishAsync(droneTopics.meta(d.id), JSON.stringify({ id: d.id, name: d.id, model: 'bench', homeLon: INC.lon, homeLat: INC.lat, tsMs: Date.now() }), { qos: 1, retain: true });
}
let n = 0;
let published = 0;
const start = Date.now();
process.send!({ type: 'ready', meanBytes, renderMs: renderMs / (DRONES * POOL), frameMs: frameMs / (DRONES * POOL) });
// Frame n of every drone at start + n / FPS (no drift), as a camera's clock would.
const tick = () => {
  const due = Math.floor(((Date.now() - start) * FPS) / 1000);
  while (n <= due) {
    for (const d of drones) {
      const f = d.frames[n % POOL]!;
      const buf = encodeVideoFrame({ droneId: d.id, frameNo: n, captureTsMs: Date.now(), ...f.pose, width: W, height: H }, f.jpeg);
      client.publish(videoTopic(d.id), Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength), { qos: 0 });
      published++;
    }
    n++;
  }
};
const timer = setInterval(tick, 5);
process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'report') process.send!({ type: 'report', published, seconds: (Date.now() - start) / 1000 });
  if (m.cmd === 'exit') {
    clearInterval(timer);
    void client.endAsync().then(() => process.exit(0));
  }
});
