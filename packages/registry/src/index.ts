export { TypeRegistry } from './registry.js';
export { TypeFlags, TypeRegistrationError, UnknownTypeError } from '@pymem/core';
export type { TypeObject, TypeSpec, ObjectContext, VisitProc } from '@pymem/core';
