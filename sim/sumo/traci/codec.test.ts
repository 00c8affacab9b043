/**
 * TraCI wire format: typed values round trip, short/extended command framing, and protocol errors
 * (short reads, unknown types, answers that do not match the request) as typed TraciErrors — the
 * last against a TCP server that misbehaves on purpose, since a healthy sumo never does.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Reader, Writer, writeCommand } from './codec.ts';
import { TraciClient } from './client.ts';
import * as C from './constants.ts';
import { TraciError } from './errors.ts';

describe('codec', () => {
  it('round-trips every typed value', () => {
    const w = new Writer(8); // forces growth
    w.typedUbyte(250).typedByte(-3).typedInt(-123456).typedDouble(3.25).typedString('ä-id').typedStringList(['a', '', 'c']);
    w.typedDoubleList([1.5, -2]).position2D({ x: 1, y: 2 }).color({ r: 1, g: 2, b: 3, a: 4 });
    w.compound(2).typedInt(7).typedString('x');
    const r = new Reader(Buffer.from(w.view()));
    expect(r.value()).toBe(250);
    expect(r.value()).toBe(-3);
    expect(r.value()).toBe(-123456);
    expect(r.value()).toBe(3.25);
    expect(r.value()).toBe('ä-id'); // latin1 on the wire, like SUMO
    expect(r.value()).toEqual(['a', '', 'c']);
    expect(r.value()).toEqual([1.5, -2]);
    expect(r.value()).toEqual({ x: 1, y: 2 });
    expect(r.value()).toEqual({ r: 1, g: 2, b: 3, a: 4 });
    expect(r.value()).toEqual([7, 'x']);
    expect(r.remaining()).toBe(0);
  });

  it('frames short commands with a length byte and long ones with 0 + int length', () => {
    const short = new Writer();
    writeCommand(short, 0xa2, Buffer.alloc(10, 1));
    expect([...short.view().subarray(0, 2)]).toEqual([12, 0xa2]);
    const long = new Writer();
    writeCommand(long, 0xc2, Buffer.alloc(300, 1));
    const v = long.view();
    expect(v[0]).toBe(0);
    expect(v.readInt32BE(1)).toBe(300 + 6);
    expect(v[5]).toBe(0xc2);
    expect(v.length).toBe(306);
    const r = new Reader(Buffer.from(v));
    expect(r.commandLength()).toBe(306);
  });

  it('short reads and unknown types are protocol TraciErrors carrying the command', () => {
    const ctx = { commandId: C.CMD_GET_TL_VARIABLE, commandName: 'trafficlight.get' };
    const truncated = new Reader(Buffer.from([C.TYPE_STRING, 0, 0, 0, 9, 65]), 0, 6, ctx);
    const e1 = (() => {
      try {
        truncated.value();
      } catch (e) {
        return e;
      }
    })() as TraciError;
    expect(e1).toBeInstanceOf(TraciError);
    expect(e1.kind).toBe('protocol');
    expect(e1.commandName).toBe('trafficlight.get');
    expect(e1.message).toMatch(/short read/);
    const unknown = new Reader(Buffer.from([0x55, 1, 2]), 0, 3, ctx);
    expect(() => unknown.value()).toThrow(/unknown value type 0x55/);
  });
});

describe('client against a misbehaving server', () => {
  let server: net.Server | null = null;
  const sockets = new Set<net.Socket>();
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = null;
  });

  async function serve(reply: (request: Buffer) => Buffer): Promise<number> {
    server = net.createServer((sock) => {
      sockets.add(sock);
      sock.on('data', (d) => sock.write(reply(d)));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    return (server.address() as net.AddressInfo).port;
  }

  function message(body: number[]): Buffer {
    const b = Buffer.alloc(4 + body.length);
    b.writeInt32BE(b.length, 0);
    Buffer.from(body).copy(b, 4);
    return b;
  }

  it('a status for another command is a protocol error', async () => {
    // status [len=7][cmd 0x01][OK][empty description]
    const port = await serve(() => message([7, 0x01, 0, 0, 0, 0, 0]));
    const c = await TraciClient.connect(port);
    const err = await c.getVersion().catch((e) => e);
    c.destroy();
    expect(err).toBeInstanceOf(TraciError);
    expect(err.kind).toBe('protocol');
    expect(err.commandName).toBe('getVersion');
  });

  it('a message shorter than its content is a protocol error, not a hang', async () => {
    // status claims a 200-byte description but the message ends
    const port = await serve(() => message([7, 0x00, 0, 0, 0, 0, 200]));
    const c = await TraciClient.connect(port);
    const err = await c.getVersion().catch((e) => e);
    c.destroy();
    expect(err).toBeInstanceOf(TraciError);
    expect(err.message).toMatch(/short read/);
  });

  it('a status error carries the result code and SUMO message', async () => {
    const text = Buffer.from('nope');
    const port = await serve(() => message([7 + text.length, C.CMD_SIMSTEP, 0xff, 0, 0, 0, text.length, ...text]));
    const c = await TraciClient.connect(port);
    const err = await c.simulationStep(1).catch((e) => e);
    c.destroy();
    expect(err).toMatchObject({ kind: 'status', commandId: C.CMD_SIMSTEP, commandName: 'simulationStep', sumoMessage: 'nope', resultCode: 0xff });
  });

  it('the server closing the connection rejects the pending request', async () => {
    server = net.createServer((sock) => {
      sockets.add(sock);
      sock.on('data', () => sock.destroy());
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const c = await TraciClient.connect((server.address() as net.AddressInfo).port);
    const err = await c.getVersion().catch((e) => e);
    expect(err).toBeInstanceOf(TraciError);
    expect(err.kind).toBe('connection');
    expect(c.closed).toBe(true);
  });
});
