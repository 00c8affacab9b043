/**
 * Streaming reader of SUMO `*.net.xml` files (saxes; a city network can be hundreds of MB, so it is
 * never held as a DOM). Keeps only what the signal derivation needs: the location/projection, edges
 * with their lanes, traffic-light programs, junctions with their right-of-way matrix
 * (`<request index response foes>`), the signal-controlled connections and the internal
 * connections that chain `via` lanes. Element and attribute meanings: SUMO docs,
 * "Networks/SUMO Road Networks" (net file format, version 1.9+ as written by SUMO 1.15).
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { SaxesParser } from 'saxes';

export type Pt = [number, number];

export interface NetLane {
  id: string;
  index: number;
  speedMs: number;
  lengthM: number;
  shape: Pt[];
  allow: string | null;
  disallow: string | null;
}

export interface NetEdge {
  id: string;
  from: string;
  to: string;
  /** '' for normal edges; 'internal', 'crossing', 'walkingarea', ... */
  fn: string;
  name: string;
  lanes: NetLane[];
  /** For crossings: the edges crossed. */
  crossingEdges: string[];
}

export interface NetPhase {
  durationSec: number;
  state: string;
}

export interface NetTlLogic {
  id: string;
  type: string;
  programId: string;
  offsetSec: number;
  phases: NetPhase[];
}

export interface NetRequest {
  /** Bit strings as in the file: the RIGHTMOST character is link 0. */
  response: string;
  foes: string;
}

export interface NetJunction {
  id: string;
  type: string;
  x: number;
  y: number;
  incLanes: string[];
  intLanes: string[];
  requests: NetRequest[];
}

export interface NetConnection {
  from: string;
  to: string;
  fromLane: number;
  toLane: number;
  via: string | null;
  tl: string | null;
  linkIndex: number;
  dir: string;
}

export interface NetLocation {
  netOffset: Pt;
  convBoundary: [number, number, number, number];
  projParameter: string;
}

export interface RawNet {
  location: NetLocation | null;
  edges: Map<string, NetEdge>;
  tlLogics: Map<string, NetTlLogic>;
  /** Junctions of type traffic_light* (others are not needed). */
  junctions: Map<string, NetJunction>;
  /** Junction positions of every non-internal junction (upstream lookups, names). */
  junctionPos: Map<string, Pt>;
  /** Connections with a `tl` attribute. */
  tlConnections: NetConnection[];
  /** Internal lane id -> the internal lane its internal connection continues to (via chains). */
  internalNext: Map<string, string>;
}

const num = (s: string | undefined, d = 0): number => {
  if (s === undefined || s === '') return d;
  const v = Number(s);
  return Number.isFinite(v) ? v : d;
};

export function parseShape(s: string | undefined): Pt[] {
  if (!s) return [];
  const out: Pt[] = [];
  for (const p of s.trim().split(/\s+/)) {
    const [x, y] = p.split(',');
    const xv = Number(x);
    const yv = Number(y);
    if (Number.isFinite(xv) && Number.isFinite(yv)) out.push([xv, yv]);
  }
  return out;
}

/** Parses a net file (plain or .gz) by streaming. Throws with the position on malformed XML. */
export async function readNet(path: string): Promise<RawNet> {
  const net: RawNet = {
    location: null,
    edges: new Map(),
    tlLogics: new Map(),
    junctions: new Map(),
    junctionPos: new Map(),
    tlConnections: [],
    internalNext: new Map(),
  };
  const parser = new SaxesParser({ position: true });
  let edge: NetEdge | null = null;
  let tl: NetTlLogic | null = null;
  let junction: NetJunction | null = null;
  let failure: Error | null = null;
  parser.on('error', (e) => {
    failure ??= new Error(`${path}: ${e.message}`);
  });
  parser.on('opentag', (node) => {
    const a = node.attributes as Record<string, string>;
    switch (node.name) {
      case 'location': {
        const off = a.netOffset?.split(',').map(Number) ?? [0, 0];
        const cb = a.convBoundary?.split(',').map(Number) ?? [0, 0, 0, 0];
        net.location = {
          netOffset: [off[0] ?? 0, off[1] ?? 0],
          convBoundary: [cb[0] ?? 0, cb[1] ?? 0, cb[2] ?? 0, cb[3] ?? 0],
          projParameter: a.projParameter ?? '!',
        };
        return;
      }
      case 'edge':
        edge = {
          id: a.id ?? '',
          from: a.from ?? '',
          to: a.to ?? '',
          fn: a.function ?? '',
          name: a.name ?? '',
          lanes: [],
          crossingEdges: a.crossingEdges ? a.crossingEdges.split(/\s+/) : [],
        };
        return;
      case 'lane':
        if (!edge) return;
        edge.lanes.push({
          id: a.id ?? '',
          index: num(a.index),
          speedMs: num(a.speed, 13.89),
          lengthM: num(a.length),
          shape: parseShape(a.shape),
          allow: a.allow ?? null,
          disallow: a.disallow ?? null,
        });
        return;
      case 'tlLogic':
        tl = { id: a.id ?? '', type: a.type ?? 'static', programId: a.programID ?? '0', offsetSec: num(a.offset), phases: [] };
        return;
      case 'phase':
        tl?.phases.push({ durationSec: num(a.duration), state: a.state ?? '' });
        return;
      case 'junction': {
        const type = a.type ?? '';
        if (type === 'internal') return;
        net.junctionPos.set(a.id ?? '', [num(a.x), num(a.y)]);
        if (!type.startsWith('traffic_light')) return;
        junction = {
          id: a.id ?? '',
          type,
          x: num(a.x),
          y: num(a.y),
          incLanes: a.incLanes ? a.incLanes.split(/\s+/).filter(Boolean) : [],
          intLanes: a.intLanes ? a.intLanes.split(/\s+/).filter(Boolean) : [],
          requests: [],
        };
        return;
      }
      case 'request':
        if (junction) junction.requests[num(a.index)] = { response: a.response ?? '', foes: a.foes ?? '' };
        return;
      case 'connection': {
        const from = a.from ?? '';
        if (a.tl !== undefined && a.linkIndex !== undefined) {
          net.tlConnections.push({
            from,
            to: a.to ?? '',
            fromLane: num(a.fromLane),
            toLane: num(a.toLane),
            via: a.via ?? null,
            tl: a.tl,
            linkIndex: num(a.linkIndex, -1),
            dir: a.dir ?? 's',
          });
        } else if (from.startsWith(':') && a.via) {
          net.internalNext.set(`${from}_${num(a.fromLane)}`, a.via);
        }
        return;
      }
    }
  });
  parser.on('closetag', (node) => {
    switch (node.name) {
      case 'edge':
        if (edge) net.edges.set(edge.id, edge);
        edge = null;
        return;
      case 'tlLogic':
        // Several programs of one tl: SUMO runs the one loaded last (SUMO docs, "Simulation/Traffic
        // Lights": loading a program makes it the active one); the bridge checks it over TraCI.
        if (tl) net.tlLogics.set(tl.id, tl);
        tl = null;
        return;
      case 'junction':
        if (junction) net.junctions.set(junction.id, junction);
        junction = null;
        return;
    }
  });
  const raw = createReadStream(path);
  const stream = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  stream.setEncoding('utf8');
  for await (const chunk of stream) {
    parser.write(chunk as string);
    if (failure) {
      raw.destroy();
      throw failure;
    }
  }
  parser.close();
  if (failure) throw failure;
  return net;
}
