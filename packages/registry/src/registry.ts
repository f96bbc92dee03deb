/**
 * The type registry: type ids to type objects.
 *
 * Every object carries its type id in the low 24 bits of its type word
 * (OB_TYPE). Dealloc dispatch and traverse look the type up on every object
 * they touch, so the registry is an array indexed by id, never a map:
 *
 * ```
 *   types:  [ 0: null | 1: weakref | 2: NoneType | ... | n-1: user types ]
 *              never     registered in order; ids are never reused
 *              used
 * ```
 *
 * Id 0 stays empty on purpose: a zeroed or freed object header (type word 0)
 * then never passes for a live object.
 *
 * Invariants:
 * - `types[id].id === id` for 1 <= id < count; `types[0] === null`.
 * - names are unique; `byName.get(t.name) === t`.
 * - a GC type has headSize GC_HEAD_SIZE, every other type 0.
 */
import {
  GC_HEAD_SIZE,
  MAX_TYPE_ID,
  OBJECT_HEADER_SIZE,
  TypeFlags,
  TypeRegistrationError,
  UnknownTypeError,
  type TypeObject,
  type TypeSpec,
} from '@pymem/core';

/** Field slots are u32 words: sizes and offsets must keep them aligned. */
const WORD = 4;
const KNOWN_FLAGS =
  TypeFlags.GC | TypeFlags.IMMORTAL_CAPABLE | TypeFlags.HAS_FINALIZER | TypeFlags.VAR_SIZED | TypeFlags.UNTRACK_WHEN_ATOMIC;

export class TypeRegistry {
  /** Type objects by id; index 0 is always null. Read it directly on hot paths. */
  readonly types: (TypeObject | null)[] = [null];
  private readonly byName = new Map<string, TypeObject>();

  /** Number of ids handed out plus one (the unused id 0). */
  get count(): number {
    return this.types.length;
  }

  /**
   * Register a type and return its id. Throws TypeRegistrationError when the
   * name is taken or the spec is malformed; nothing is registered then.
   */
  register(spec: TypeSpec): number {
    const type = validate(spec, this.types.length);
    if (this.byName.has(type.name)) throw new TypeRegistrationError(type.name, 'a type with this name is already registered');
    this.types.push(type);
    this.byName.set(type.name, type);
    return type.id;
  }

  /** The type with this id; UnknownTypeError if there is none. */
  get(id: number): TypeObject {
    const type = Number.isInteger(id) && id > 0 ? this.types[id] : undefined;
    if (!type) throw new UnknownTypeError(id);
    return type;
  }

  /** Whether `id` names a registered type. */
  has(id: number): boolean {
    return Number.isInteger(id) && id > 0 && id < this.types.length;
  }

  /** The type with this name; UnknownTypeError if there is none. */
  byNameOrThrow(name: string): TypeObject {
    const type = this.byName.get(name);
    if (!type) throw new UnknownTypeError(name);
    return type;
  }

  /** The type with this name, or undefined. */
  lookup(name: string): TypeObject | undefined {
    return this.byName.get(name);
  }

  /** Every registered type, in id order. */
  all(): TypeObject[] {
    return this.types.filter((t): t is TypeObject => t !== null);
  }
}

function validate(spec: TypeSpec, id: number): TypeObject {
  const name = typeof spec?.name === 'string' ? spec.name : String(spec?.name);
  const fail = (reason: string): never => {
    throw new TypeRegistrationError(name, reason);
  };
  if (typeof spec?.name !== 'string' || spec.name.length === 0) fail('name must be a non-empty string');
  if (id > MAX_TYPE_ID) fail(`the registry is full (${MAX_TYPE_ID} types)`);
  const { basicSize } = spec;
  const itemSize = spec.itemSize ?? 0;
  const flags = spec.flags ?? 0;
  const weaklistOffset = spec.weaklistOffset ?? 0;
  if (!Number.isInteger(basicSize) || basicSize < OBJECT_HEADER_SIZE || basicSize % WORD !== 0) {
    fail(`basicSize must be a multiple of ${WORD} of at least ${OBJECT_HEADER_SIZE} (the header), got ${String(basicSize)}`);
  }
  if (!Number.isInteger(itemSize) || itemSize < 0) fail(`itemSize must be a non-negative integer, got ${String(itemSize)}`);
  if (!Number.isInteger(flags) || (flags & ~KNOWN_FLAGS) !== 0) fail(`unknown flag bits in ${String(flags)}`);
  if (weaklistOffset !== 0 && (!Number.isInteger(weaklistOffset) || weaklistOffset < OBJECT_HEADER_SIZE || weaklistOffset % WORD !== 0 || weaklistOffset + WORD > basicSize)) {
    fail(`weaklistOffset must be 0 or a word offset inside the object after the header, got ${String(weaklistOffset)}`);
  }
  for (const slot of ['dealloc', 'traverse', 'clear', 'finalize'] as const) {
    if (spec[slot] != null && typeof spec[slot] !== 'function') fail(`${slot} must be a function`);
  }
  const finalize = spec.finalize ?? null;
  return Object.freeze({
    id,
    name,
    basicSize,
    itemSize,
    flags: finalize ? flags | TypeFlags.HAS_FINALIZER : flags & ~TypeFlags.HAS_FINALIZER,
    weaklistOffset,
    headSize: flags & TypeFlags.GC ? GC_HEAD_SIZE : 0,
    dealloc: spec.dealloc ?? null,
    traverse: spec.traverse ?? null,
    clear: spec.clear ?? null,
    finalize,
  });
}
