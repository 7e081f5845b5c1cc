/**
 * The plaintext of an encrypted field: the field's DynamoDB value (as its base attribute encodes it)
 * written as compact, exact bytes, and read back. One tag byte per value, lengths as 32-bit integers,
 * strings as UTF-8: every AttributeValue round-trips exactly (numbers stay number text, binary stays
 * binary, an empty set stays an empty set). Pure: no I/O.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

const S = 1;
const N = 2;
const B = 3;
const TRUE = 4;
const FALSE = 5;
const NULL = 6;
const L = 7;
const M = 8;
const SS = 9;
const NS = 10;
const BS = 11;

/** Grows a byte buffer as values are written. */
class Writer {
  private buffer = new Uint8Array(64);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }

  byte(value: number): void {
    this.room(1);
    this.buffer[this.length++] = value;
  }

  u32(value: number): void {
    this.room(4);
    new DataView(this.buffer.buffer).setUint32(this.length, value);
    this.length += 4;
  }

  bytes(value: Uint8Array): void {
    this.u32(value.byteLength);
    this.room(value.byteLength);
    this.buffer.set(value, this.length);
    this.length += value.byteLength;
  }

  text(value: string): void {
    this.bytes(Buffer.from(value, 'utf8'));
  }

  done(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

function write(out: Writer, value: AttributeValue): void {
  if (value.S !== undefined) {
    out.byte(S);
    out.text(value.S);
  } else if (value.N !== undefined) {
    out.byte(N);
    out.text(value.N);
  } else if (value.B !== undefined) {
    out.byte(B);
    out.bytes(value.B);
  } else if (value.BOOL !== undefined) out.byte(value.BOOL ? TRUE : FALSE);
  else if (value.NULL !== undefined) out.byte(NULL);
  else if (value.L !== undefined) {
    out.byte(L);
    out.u32(value.L.length);
    for (const v of value.L) write(out, v);
  } else if (value.M !== undefined) {
    out.byte(M);
    const entries = Object.entries(value.M);
    out.u32(entries.length);
    for (const [k, v] of entries) {
      out.text(k);
      write(out, v);
    }
  } else if (value.SS !== undefined) {
    out.byte(SS);
    out.u32(value.SS.length);
    for (const s of value.SS) out.text(s);
  } else if (value.NS !== undefined) {
    out.byte(NS);
    out.u32(value.NS.length);
    for (const s of value.NS) out.text(s);
  } else if (value.BS !== undefined) {
    out.byte(BS);
    out.u32(value.BS.length);
    for (const b of value.BS) out.bytes(b);
  } else throw new TypeError('not an AttributeValue');
}

/** The bytes of one AttributeValue. */
export function valueToBytes(value: AttributeValue): Uint8Array {
  const out = new Writer();
  write(out, value);
  return out.done();
}

/** Thrown for bytes that are no value written by {@link valueToBytes}. */
export class MalformedValueError extends Error {}

/** Reads values back, refusing any length that runs past the end. */
class Reader {
  private offset = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get atEnd(): boolean {
    return this.offset === this.bytes.byteLength;
  }

  byte(): number {
    if (this.offset >= this.bytes.byteLength) throw new MalformedValueError('truncated');
    return this.bytes[this.offset++] as number;
  }

  u32(): number {
    if (this.offset + 4 > this.bytes.byteLength) throw new MalformedValueError('truncated');
    const n = this.view.getUint32(this.offset);
    this.offset += 4;
    return n;
  }

  raw(): Uint8Array {
    const n = this.u32();
    if (this.offset + n > this.bytes.byteLength) throw new MalformedValueError('truncated');
    // A plain Uint8Array copy (as the SDK returns binary), even when the input is a Buffer.
    const out = new Uint8Array(this.bytes.subarray(this.offset, this.offset + n));
    this.offset += n;
    return out;
  }

  text(): string {
    return Buffer.from(this.raw()).toString('utf8');
  }

  /** A count of items each at least one byte long: never more than the bytes left. */
  count(): number {
    const n = this.u32();
    if (n > this.bytes.byteLength - this.offset) throw new MalformedValueError('bad count');
    return n;
  }
}

function read(input: Reader, depth: number): AttributeValue {
  if (depth > 40) throw new MalformedValueError('too deep');
  const tag = input.byte();
  switch (tag) {
    case S:
      return { S: input.text() };
    case N:
      return { N: input.text() };
    case B:
      return { B: input.raw() };
    case TRUE:
      return { BOOL: true };
    case FALSE:
      return { BOOL: false };
    case NULL:
      return { NULL: true };
    case L:
      return { L: Array.from({ length: input.count() }, () => read(input, depth + 1)) };
    case M: {
      const out: Record<string, AttributeValue> = {};
      const n = input.count();
      for (let i = 0; i < n; i++) {
        const k = input.text();
        Object.defineProperty(out, k, { value: read(input, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return { M: out };
    }
    case SS:
      return { SS: Array.from({ length: input.count() }, () => input.text()) };
    case NS:
      return { NS: Array.from({ length: input.count() }, () => input.text()) };
    case BS:
      return { BS: Array.from({ length: input.count() }, () => input.raw()) };
    default:
      throw new MalformedValueError('unknown tag');
  }
}

/** The AttributeValue of bytes written by {@link valueToBytes}; throws {@link MalformedValueError} otherwise. */
export function bytesToValue(bytes: Uint8Array): AttributeValue {
  const input = new Reader(bytes);
  const value = read(input, 0);
  if (!input.atEnd) throw new MalformedValueError('trailing bytes');
  return value;
}
