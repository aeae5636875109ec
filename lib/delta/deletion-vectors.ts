/**
 * Deletion vectors (PROTOCOL.md, "Deletion Vectors"): the descriptor in an `add` names a
 * RoaringBitmapArray — inline (Z85 in the log), in a file next to the data (by UUID), or at an
 * absolute path — holding the row indexes of the file that are deleted.
 */
import * as path from "node:path";
import type { RoaringBitmap32 as Bitmap } from "roaring";

/** roaring (a native addon) is loaded by the first deletion vector read, not by every reader of Delta tables. */
let roaring: { RoaringBitmap32: typeof Bitmap } | undefined;
function RoaringBitmap32(): typeof Bitmap {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  roaring ??= require("roaring") as { RoaringBitmap32: typeof Bitmap };
  return roaring.RoaringBitmap32;
}
import { StreamlabError } from "../errors";
import type { DeletionVectorDescriptor } from "./actions";
import { defaultStorage, resolveDataPath, type Storage } from "./storage";

const Z85 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
const Z85_INDEX = new Map([...Z85].map((c, i) => [c, i]));
const MAGIC = 1681511377;

/** Decodes Z85 (ZeroMQ base-85); Delta pads the input to a multiple of 4 bytes before encoding. */
export function z85Decode(s: string): Buffer {
  if (s.length % 5 !== 0) throw dvError(`Z85 text must have a length that is a multiple of 5, got ${s.length}.`);
  const out = Buffer.alloc((s.length / 5) * 4);
  for (let i = 0; i < s.length; i += 5) {
    let v = 0;
    for (let j = 0; j < 5; j++) {
      const d = Z85_INDEX.get(s[i + j]!);
      if (d === undefined) throw dvError(`"${s[i + j]}" is not a Z85 character.`);
      v = v * 85 + d;
    }
    out.writeUInt32BE(v >>> 0, (i / 5) * 4);
  }
  return out;
}

export function z85Encode(b: Buffer): string {
  const padded = b.length % 4 === 0 ? b : Buffer.concat([b, Buffer.alloc(4 - (b.length % 4))]);
  let s = "";
  for (let i = 0; i < padded.length; i += 4) {
    let v = padded.readUInt32BE(i);
    const chunk: string[] = [];
    for (let j = 0; j < 5; j++) {
      chunk.unshift(Z85[v % 85]!);
      v = Math.floor(v / 85);
    }
    s += chunk.join("");
  }
  return s;
}

function dvError(message: string): StreamlabError {
  return new StreamlabError("DELTA_DELETION_VECTOR_ERROR", `Cannot read a deletion vector: ${message}`);
}

/** The file a "u" or "p" descriptor points at. */
export function dvFilePath(tableRoot: string, dv: DeletionVectorDescriptor): string {
  if (dv.storageType === "p") return resolveDataPath(tableRoot, dv.pathOrInlineDv);
  if (dv.storageType === "u") {
    const encoded = dv.pathOrInlineDv;
    if (encoded.length < 20) throw dvError(`relative DV id "${encoded}" is too short.`);
    const prefix = encoded.slice(0, encoded.length - 20);
    const uuid = z85Decode(encoded.slice(-20)).toString("hex");
    const id = `${uuid.slice(0, 8)}-${uuid.slice(8, 12)}-${uuid.slice(12, 16)}-${uuid.slice(16, 20)}-${uuid.slice(20)}`;
    return path.join(tableRoot, prefix, `deletion_vector_${id}.bin`);
  }
  throw dvError(`storage type "${dv.storageType}" has no file.`);
}

/** Parses a serialized RoaringBitmapArray (magic, bucket count, then 32-bit portable bitmaps keyed by the high 32 bits). */
export function parseRoaringArray(buf: Buffer): bigint[] | number[] {
  if (buf.length < 12 || buf.readUInt32LE(0) !== MAGIC) throw dvError("the bitmap does not start with the RoaringBitmapArray magic number.");
  const buckets = Number(buf.readBigUInt64LE(4));
  let off = 12;
  const out: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const key = buf.readUInt32LE(off);
    off += 4;
    const rest = buf.subarray(off);
    const bitmap = RoaringBitmap32().deserialize(rest, "portable");
    off += bitmap.getSerializationSizeInBytes("portable");
    const high = key * 2 ** 32;
    for (const v of bitmap) out.push(high + v);
  }
  return out;
}

/** The deleted row indexes (0-based, within the data file) of a descriptor. */
export function readDeletionVector(tableRoot: string, dv: DeletionVectorDescriptor, storage: Storage = defaultStorage): number[] {
  let bitmap: Buffer;
  if (dv.storageType === "i") {
    bitmap = z85Decode(dv.pathOrInlineDv).subarray(0, dv.sizeInBytes);
  } else {
    const file = dvFilePath(tableRoot, dv);
    let data: Buffer;
    try {
      data = storage.readBytes(file);
    } catch (e) {
      throw dvError(`the file ${file} is missing or unreadable (${(e as Error).message}).`);
    }
    // At `offset`: a 4-byte big-endian size, the bitmap, then its CRC-32.
    const offset = dv.offset ?? 1;
    const size = data.readInt32BE(offset);
    if (size !== dv.sizeInBytes) throw dvError(`${file} at offset ${offset} holds ${size} bytes, the log says ${dv.sizeInBytes}.`);
    bitmap = data.subarray(offset + 4, offset + 4 + size);
  }
  const rows = parseRoaringArray(bitmap) as number[];
  if (rows.length !== dv.cardinality) throw dvError(`it holds ${rows.length} rows, the log says ${dv.cardinality}.`);
  return rows;
}
