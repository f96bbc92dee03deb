/**
 * Where every built-in type keeps its fields, as byte offsets from the
 * object pointer. Every object starts with the 8-byte header (refcount, type
 * word); GC types also have the 8-byte GC head *before* the pointer (see
 * @pymem/refcount). Object pointers are 4-byte words; every pointer field
 * below is a u32, 0 meaning NULL.
 *
 * ```
 *   NoneType  +0 header                                         basicSize 8
 *   bool      +0 header | +8 u32 value (0/1)                    basicSize 12
 *   int       +0 header | +8 i32 ob_size (sign * ndigits; 0 for zero)
 *                       | +12 u32 digits[ndigits], 30 bits each, least
 *                         significant first (CPython's PyLong digits)   basicSize 12, itemSize 4
 *   float     +0 header | +8 f64 value                          basicSize 16
 *   bytes     +0 header | +8 u32 length | +12 i32 hash (-1: not yet)
 *                       | +16 data[length], then one NUL        basicSize 16, itemSize 1
 *   str       +0 header | +8 u32 UTF-8 byte length | +12 u32 length in code points
 *                       | +16 i32 hash (-1: not yet) | +20 UTF-8 bytes, then one NUL
 *                                                               basicSize 20, itemSize 1
 *   tuple  GC +0 header | +8 u32 size | +12 items[size] (u32)   basicSize 12, itemSize 4
 *   list   GC +0 header | +8 u32 size | +12 u32 ob_item (a block of the
 *                         runtime's allocator, not an object) | +16 u32 allocated
 *                                                               basicSize 20
 *   dict   GC +0 header | +8 u32 used | +12 u32 keys block (0 while empty)
 *                                                               basicSize 16
 *   instance GC +0 header | +8 u32 weaklist | +12 u32 dict (0 until first setattr)
 *                       | or, for classes with fixed slots, +12 slot[0], +16 slot[1], ...
 * ```
 */
import { OBJECT_HEADER_SIZE } from '@pymem/core';

/** One pointer-sized field (objects hold u32 pointers). */
export const WORD = 4;
/** Hash cache value meaning "not computed yet" (a real hash is never -1, as in CPython). */
export const HASH_NOT_COMPUTED = -1;

export const NONE_BASIC_SIZE = OBJECT_HEADER_SIZE;

export const BOOL_VALUE = OBJECT_HEADER_SIZE;
export const BOOL_BASIC_SIZE = BOOL_VALUE + WORD;

export const INT_SIZE = OBJECT_HEADER_SIZE;
export const INT_DIGITS = INT_SIZE + WORD;
export const INT_BASIC_SIZE = INT_DIGITS;
/** Bits per int digit (CPython's PyLong_SHIFT on 64-bit builds). */
export const INT_DIGIT_BITS = 30;
export const INT_DIGIT_MASK = (1 << INT_DIGIT_BITS) - 1;

export const FLOAT_VALUE = OBJECT_HEADER_SIZE;
export const FLOAT_BASIC_SIZE = FLOAT_VALUE + 8;

export const BYTES_LENGTH = OBJECT_HEADER_SIZE;
export const BYTES_HASH = BYTES_LENGTH + WORD;
export const BYTES_DATA = BYTES_HASH + WORD;
export const BYTES_BASIC_SIZE = BYTES_DATA;

export const STR_BYTE_LENGTH = OBJECT_HEADER_SIZE;
export const STR_LENGTH = STR_BYTE_LENGTH + WORD;
export const STR_HASH = STR_LENGTH + WORD;
export const STR_DATA = STR_HASH + WORD;
export const STR_BASIC_SIZE = STR_DATA;

export const TUPLE_SIZE = OBJECT_HEADER_SIZE;
export const TUPLE_ITEMS = TUPLE_SIZE + WORD;
export const TUPLE_BASIC_SIZE = TUPLE_ITEMS;

export const LIST_SIZE = OBJECT_HEADER_SIZE;
export const LIST_ITEMS = LIST_SIZE + WORD;
export const LIST_ALLOCATED = LIST_ITEMS + WORD;
export const LIST_BASIC_SIZE = LIST_ALLOCATED + WORD;

export const DICT_USED = OBJECT_HEADER_SIZE;
export const DICT_KEYS = DICT_USED + WORD;
export const DICT_BASIC_SIZE = DICT_KEYS + WORD;

export const INSTANCE_WEAKLIST = OBJECT_HEADER_SIZE;
export const INSTANCE_DICT = INSTANCE_WEAKLIST + WORD;
export const INSTANCE_SLOTS = INSTANCE_DICT;
