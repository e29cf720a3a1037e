/**
 * Heartbeat evidence is kept as bitmaps of fixed time slices. A row covers
 * SLICES_PER_ROW consecutive slices; 32 keeps every mask a non-negative 32-bit value
 * that JavaScript's bitwise operators handle exactly (with `>>> 0`).
 */
export const SLICES_PER_ROW = 32;

export interface SliceAddress {
  rowStart: number;
  bit: number;
}

/** Where the heartbeat at `at` lands: its row and its bit within the row. */
export function sliceAddress(at: number, sliceMs: number): SliceAddress {
  const slice = Math.floor(at / sliceMs);
  const rowSlice = Math.floor(slice / SLICES_PER_ROW) * SLICES_PER_ROW;
  return { rowStart: rowSlice * sliceMs, bit: slice - rowSlice };
}

export function bitMask(bit: number): number {
  return (1 << bit) >>> 0;
}

export function popcount32(x: number): number {
  let v = x >>> 0;
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Mask of the bits whose slices fall in [fromSlice, toSlice) for a row starting at slice `rowSlice`. */
export function windowMask(rowSlice: number, fromSlice: number, toSlice: number): number {
  const lo = Math.max(0, fromSlice - rowSlice);
  const hi = Math.min(SLICES_PER_ROW, toSlice - rowSlice);
  if (hi <= lo) return 0;
  const width = hi - lo;
  const ones = width === 32 ? 0xffffffff : (1 << width) - 1;
  return (ones << lo) >>> 0;
}

/** The earliest row start that can hold a slice at or after `fromMs`. */
export function firstRowStart(fromMs: number, sliceMs: number): number {
  return sliceAddress(fromMs, sliceMs).rowStart;
}
