/**
 * `true` when A and B are the same type (each assignable to the other), else `false`: with
 * `true satisfies SameType<A, B>` a schema is checked at compile time against the core type
 * it reads, so adding a field to one and not the other fails the typecheck.
 */
export type SameType<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
