// Little-endian byte views of typed arrays: the on-disk order of safetensors and .npy files.

export type NumericArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

/** True on every platform Node ships for today; checked so a big-endian host still writes correct files. */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses each `width`-byte group of `bytes` in place. */
function swapInPlace(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let i = 0; i < bytes.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

/** Copies `src`'s elements into `dst` as little-endian bytes (`dst.length` must be `src.byteLength`). */
export function writeLittleEndian(src: NumericArray, dst: Uint8Array): void {
  dst.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
  if (!HOST_IS_LITTLE_ENDIAN) swapInPlace(dst, src.BYTES_PER_ELEMENT);
}

/** Fills the freshly allocated, aligned `dst` from little-endian `src` bytes (`src.length` must be `dst.byteLength`). */
export function readLittleEndian<T extends NumericArray>(src: Uint8Array, dst: T): T {
  const view = new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength);
  view.set(src);
  if (!HOST_IS_LITTLE_ENDIAN) swapInPlace(view, dst.BYTES_PER_ELEMENT);
  return dst;
}
