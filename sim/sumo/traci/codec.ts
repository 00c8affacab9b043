// Binary encoding of the TraCI protocol (https://sumo.dlr.de/docs/TraCI/Protocol.html):
// big-endian; a message is a 4-byte total length followed by commands; a command is
// [ubyte length][ubyte id][content] or, when longer than 255 bytes, [0][int length][ubyte id][content]
// (length counts the length field itself). Values carry a leading type byte (TYPE_*).

import * as C from './constants.ts';
import { TraciError } from './errors.ts';

export type Position2D = { x: number; y: number };
export type Position3D = { x: number; y: number; z: number };
export type Color = { r: number; g: number; b: number; a: number };
export type TraciValue =
  | number
  | string
  | string[]
  | number[]
  | Position2D
  | Position3D
  | Color
  | Position2D[]
  | TraciValue[];

/** Growable big-endian writer; one instance is reused per connection (hot path: one step per second). */
export class Writer {
  buf: Buffer;
  pos = 0;
  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }
  reset(): this {
    this.pos = 0;
    return this;
  }
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  ubyte(v: number): this {
    this.ensure(1);
    this.buf.writeUInt8(v & 0xff, this.pos);
    this.pos += 1;
    return this;
  }
  byte(v: number): this {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
    return this;
  }
  int(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }
  double(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
    return this;
  }
  /** TraCI strings are int length + latin1 bytes (SUMO ids are ASCII in practice). */
  string(s: string): this {
    const n = Buffer.byteLength(s, 'latin1');
    this.int(n);
    this.ensure(n);
    this.buf.write(s, this.pos, n, 'latin1');
    this.pos += n;
    return this;
  }
  stringList(list: readonly string[]): this {
    this.int(list.length);
    for (const s of list) this.string(s);
    return this;
  }
  bytes(b: Buffer): this {
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
    return this;
  }
  // --- typed values (type byte + value)
  typedUbyte(v: number): this {
    return this.ubyte(C.TYPE_UBYTE).ubyte(v);
  }
  typedByte(v: number): this {
    return this.ubyte(C.TYPE_BYTE).byte(v);
  }
  typedInt(v: number): this {
    return this.ubyte(C.TYPE_INTEGER).int(v);
  }
  typedDouble(v: number): this {
    return this.ubyte(C.TYPE_DOUBLE).double(v);
  }
  typedString(s: string): this {
    return this.ubyte(C.TYPE_STRING).string(s);
  }
  typedStringList(list: readonly string[]): this {
    return this.ubyte(C.TYPE_STRINGLIST).stringList(list);
  }
  typedDoubleList(list: readonly number[]): this {
    this.ubyte(C.TYPE_DOUBLELIST).int(list.length);
    for (const v of list) this.double(v);
    return this;
  }
  /** compound header: the caller writes `count` typed items after it */
  compound(count: number): this {
    return this.ubyte(C.TYPE_COMPOUND).int(count);
  }
  position2D(p: Position2D): this {
    return this.ubyte(C.POSITION_2D).double(p.x).double(p.y);
  }
  color(c: Color): this {
    return this.ubyte(C.TYPE_COLOR).ubyte(c.r).ubyte(c.g).ubyte(c.b).ubyte(c.a);
  }
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/**
 * Appends one framed command to `out`: the short form when the whole command fits in 255 bytes,
 * otherwise the extended form (length byte 0 + int length).
 */
export function writeCommand(out: Writer, cmdId: number, content: Buffer): void {
  const short = 2 + content.length;
  if (short <= 255) {
    out.ubyte(short).ubyte(cmdId);
  } else {
    out.ubyte(0).int(short + 4).ubyte(cmdId);
  }
  out.bytes(content);
}

/** Bounds-checked big-endian reader over one received message. */
export class Reader {
  readonly buf: Buffer;
  pos: number;
  end: number;
  /** command the message answers, for error messages */
  context: { commandId: number; commandName: string };
  constructor(buf: Buffer, start = 0, end = buf.length, context = { commandId: -1, commandName: '' }) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.context = context;
  }
  remaining(): number {
    return this.end - this.pos;
  }
  private need(n: number, what: string): void {
    if (this.pos + n > this.end) {
      throw new TraciError(
        'protocol',
        `short read: need ${n} byte(s) for ${what} at offset ${this.pos}, message has ${this.end}`,
        this.context,
      );
    }
  }
  ubyte(): number {
    this.need(1, 'ubyte');
    return this.buf.readUInt8(this.pos++);
  }
  byte(): number {
    this.need(1, 'byte');
    return this.buf.readInt8(this.pos++);
  }
  int(): number {
    this.need(4, 'int');
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  double(): number {
    this.need(8, 'double');
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }
  string(): string {
    const n = this.int();
    if (n < 0) throw new TraciError('protocol', `negative string length ${n}`, this.context);
    this.need(n, 'string');
    const s = this.buf.toString('latin1', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  stringList(): string[] {
    const n = this.int();
    if (n < 0) throw new TraciError('protocol', `negative list length ${n}`, this.context);
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) out[i] = this.string();
    return out;
  }
  /** command length: ubyte, or 0 followed by an int (extended form). Returns the full length. */
  commandLength(): number {
    const short = this.ubyte();
    return short !== 0 ? short : this.int();
  }
  expectType(type: number, what: string): void {
    const t = this.ubyte();
    if (t !== type) {
      throw new TraciError(
        'protocol',
        `expected type 0x${type.toString(16)} for ${what}, got 0x${t.toString(16)}`,
        this.context,
      );
    }
  }
  typedInt(): number {
    this.expectType(C.TYPE_INTEGER, 'int');
    return this.int();
  }
  typedDouble(): number {
    this.expectType(C.TYPE_DOUBLE, 'double');
    return this.double();
  }
  typedString(): string {
    this.expectType(C.TYPE_STRING, 'string');
    return this.string();
  }
  typedStringList(): string[] {
    this.expectType(C.TYPE_STRINGLIST, 'stringList');
    return this.stringList();
  }
  /** compound header, returns the item count */
  compound(): number {
    this.expectType(C.TYPE_COMPOUND, 'compound');
    return this.int();
  }
  /** Decodes one typed value of any TraCI type; unknown types are a protocol error. */
  value(): TraciValue {
    const type = this.ubyte();
    return this.valueOfType(type);
  }
  valueOfType(type: number): TraciValue {
    switch (type) {
      case C.TYPE_UBYTE:
        return this.ubyte();
      case C.TYPE_BYTE:
        return this.byte();
      case C.TYPE_INTEGER:
        return this.int();
      case C.TYPE_DOUBLE:
        return this.double();
      case C.TYPE_STRING:
        return this.string();
      case C.TYPE_STRINGLIST:
        return this.stringList();
      case C.TYPE_DOUBLELIST: {
        const n = this.int();
        const out = new Array<number>(n);
        for (let i = 0; i < n; i++) out[i] = this.double();
        return out;
      }
      case C.POSITION_2D:
      case C.POSITION_LON_LAT:
        return { x: this.double(), y: this.double() };
      case C.POSITION_3D:
      case C.POSITION_LON_LAT_ALT:
        return { x: this.double(), y: this.double(), z: this.double() };
      case C.TYPE_POLYGON: {
        const n = this.commandLength();
        const out = new Array<Position2D>(n);
        for (let i = 0; i < n; i++) out[i] = { x: this.double(), y: this.double() };
        return out;
      }
      case C.TYPE_COLOR:
        return { r: this.ubyte(), g: this.ubyte(), b: this.ubyte(), a: this.ubyte() };
      case C.TYPE_COMPOUND: {
        const n = this.int();
        const out = new Array<TraciValue>(n);
        for (let i = 0; i < n; i++) out[i] = this.value();
        return out;
      }
      default:
        throw new TraciError('protocol', `unknown value type 0x${type.toString(16)}`, this.context);
    }
  }
}
