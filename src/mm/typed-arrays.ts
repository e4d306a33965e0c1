// Growing struct-of-arrays storage: each field of a store is a typed array indexed by handle,
// and the store grows by copying every field into a longer array of the same kind.

/** The kinds of typed array the stores use. */
export type FieldArray = Uint8Array | Uint16Array | Int32Array | Uint32Array | Float64Array;

/** `old` copied into a new array of the same kind with `length` elements (the new ones zero). */
export function grown<T extends FieldArray>(old: T, length: number): T {
  const make = old.constructor as new (length: number) => T;
  const bigger = new make(length);
  (bigger as FieldArray).set(old as ArrayLike<number>);
  return bigger;
}
