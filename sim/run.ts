/**
 * Runs the simulated city against a broker: the closed-loop traffic model with one signal
 * controller per installation (sim/traffic-run.ts), transit vehicles and the parking guidance
 * system, street lighting, environment, Rhine gauge, shore power, road works and the fire brigade's
 * drone. Each group of devices has its own MQTT connection, as separate field networks would.
 *
 * Device timestamps are wall-clock UTC (a real device has a real clock); at SIM_SPEED > 1 the
 * models' own clock runs faster, and interval lengths are reported in model seconds.
 */
import mqtt from 'mqtt';
import type { Intersection } from './city/types.ts';
import { constructionSites } from './city/construction.ts';
import { schedule, type Scenario, type ScenarioTargets } from './scenario.ts';
import { runTrafficSim, type RunningTrafficSim } from './traffic-run.ts';
import { createTransitAndParking, type Msg } from './transit-parking.ts';
import { demandFactor } from './traffic/demand.ts';
import { createUtilitiesAndDrone } from './utilities-drone.ts';
import { startDroneVideo } from './drone-video.ts';

export interface RunningSim {
  readonly traffic: RunningTrafficSim;
  stop(): Promise<void>;
}

/** Where the demo drone flies, in turn: incidents the fire brigade might be called to. */
const DEMO_INCIDENTS: [name: string, lon: number, lat: number][] = [
  ['Innenhafen', 6.7682, 51.4391],
  ['Hafen Ruhrort', 6.7325, 51.4545],
  ['Wedau', 6.7885, 51.4052],
];
/** A demo mission every this many model minutes, so the drone is seen in the air. */
const DEMO_MISSION_EVERY_MIN = 45;

export async function runSimulator(opts: {
  url: string;
  speed: number;
  seed: number;
  /** Only these installations and no other devices (tests of the signal pipeline). */
  intersections?: Intersection[];
  /** Model time at start; defaults to now (or the scenario's start). */
  modelStartMs?: number;
  /** Timed events (closures, drone missions, flood, outages); see sim/scenario.ts. */
  scenario?: Scenario;
  /** Called with a line for every scenario event applied. */
  onEvent?: (line: string) => void;
}): Promise<RunningSim> {
  const wallStart = Date.now();
  const modelStart = opts.modelStartMs ?? wallStart;
  const toWall = (modelMs: number) => Math.round(wallStart + (modelMs - modelStart) / opts.speed);

  let trafficOpts: Parameters<typeof runTrafficSim>[0] = { url: opts.url, speed: opts.speed, seed: opts.seed, modelStartMs: modelStart };
  if (opts.intersections) {
    const { LINKS } = await import('./city/duisburg.ts');
    const ids = new Set(opts.intersections.map((x) => x.id));
    trafficOpts = { ...trafficOpts, intersections: opts.intersections, links: LINKS.filter((l) => ids.has(l.from) && ids.has(l.to)) };
  }
  const traffic = await runTrafficSim(trafficOpts);
  if (opts.intersections) return { traffic, stop: () => traffic.stop() };

  const tp = createTransitAndParking({ seed: opts.seed });
  const ud = createUtilitiesAndDrone({ seed: opts.seed, startMs: modelStart, stamp: toWall });
  const client = await mqtt.connectAsync(opts.url, { clientId: `sim-city-${process.pid}-${opts.seed}`, reconnectPeriod: 1000 });
  // The transit and parking models stamp model time; devices stamp wall time (see above).
  const restamp = opts.speed === 1 && modelStart === wallStart ? null : (m: Msg): string => {
    const p = JSON.parse(m.payload) as { tsMs?: number; timestamp?: number };
    if (typeof p.tsMs === 'number') p.tsMs = toWall(p.tsMs);
    if (typeof p.timestamp === 'number') p.timestamp = Math.floor(toWall(p.timestamp * 1000) / 1000);
    return JSON.stringify(p);
  };
  const publish = (msgs: Msg[], fromTransit: boolean) => {
    if (!client.connected) return; // a field device buffers nothing either
    for (const m of msgs) client.publish(m.topic, fromTransit && restamp ? restamp(m) : m.payload, { qos: m.qos, retain: m.retain });
  };
  publish(tp.meta(modelStart), true);
  publish(ud.meta(), false);
  // The drone's camera: binary JPEG frames while it flies (DRONE_VIDEO, sim/drone-video.ts).
  const video = startDroneVideo({
    drone: ud.drone,
    publish: (topic, payload) => client.connected && client.publish(topic, payload, { qos: 0 }),
    modelNow: () => modelStart + (Date.now() - wallStart) * opts.speed,
    traffic: traffic.sim.model,
  });

  const model = traffic.sim.model;
  const targets: ScenarioTargets = {
    restrictApproach: (x, a, lanesClosed) => model.restrictApproach(x, a, { lanesClosed }),
    restrictLink: (l, lanesClosed, speedFactor) => model.restrictLink(l, speedFactor === undefined ? { lanesClosed } : { lanesClosed, speedFactor }),
    startDroneMission: (id, lon, lat) => ud.drone.startMission(id, lon, lat),
    setRhine: (kind, hours) => ud.environment.setRhineScenario(kind, hours === undefined ? {} : { hours }),
    cabinetOutage: ({ cabinet, district }, fault) => {
      const cabs = ud.lighting.inventory.cabinets;
      const c = cabinet ? cabs.find((x) => x.id === cabinet) : cabs.find((x) => x.district === district);
      if (!c) throw new Error(`scenario: no cabinet ${cabinet ?? `in ${district}`}`);
      ud.lighting.injectCabinetOutage(c.id, fault);
      return c.id;
    },
    parkingEvent: (garages, start, end, extra) => tp.addParkingEvent(garages, start, end, extra),
  };
  const events = opts.scenario ? schedule(opts.scenario, targets) : [];
  let nextEvent = 0;
  // Road works close lanes in the traffic model while they last (checked once a model minute).
  const sites = constructionSites(modelStart);
  const applySites = (nowMs: number) => {
    for (const site of sites) {
      const on = nowMs >= site.startMs && nowMs < site.endMs;
      for (const l of site.affectedLinkIds) model.restrictLink(l, on ? { lanesClosed: site.lanesClosed, speedFactor: 0.6 } : {});
    }
  };
  applySites(modelStart);

  let modelSec = 0;
  // With a scenario the drone flies its missions; without, a demo mission now and then.
  let nextMissionSec = opts.scenario ? Infinity : 60;
  let mission = 0;
  // 5 ticks per wall second; each catches up the model seconds due (at most 60 per tick).
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - wallStart) * opts.speed) / 1000);
    for (let n = 0; modelSec < due && n < 60; n++) {
      modelSec++;
      const modelNow = modelStart + modelSec * 1000;
      publish(tp.step(modelNow, 1, traffic.sim.model), true);
      publish(ud.step(modelNow, 1, { trafficIntensity: demandFactor(modelNow) }), false);
      if (modelSec % 60 === 0) applySites(modelNow);
      while (nextEvent < events.length && events[nextEvent]!.atSec <= modelSec) {
        const line = events[nextEvent++]!.run(modelNow);
        opts.onEvent?.(`[scenario +${Math.round(modelSec / 60)} min] ${line}`);
      }
      if (modelSec >= nextMissionSec) {
        const [name, lon, lat] = DEMO_INCIDENTS[mission % DEMO_INCIDENTS.length]!;
        ud.drone.startMission(`DEMO-${++mission}-${name}`, lon, lat);
        nextMissionSec += DEMO_MISSION_EVERY_MIN * 60;
      }
    }
  }, 200);

  return {
    traffic,
    async stop() {
      clearInterval(timer);
      video.stop();
      await Promise.all([traffic.stop(), client.endAsync()]);
    },
  };
}
