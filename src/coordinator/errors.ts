// What the coordinator refuses to do, and why, in the features' own words. Services and routes
// throw these; http/problem.ts maps each kind to an HTTP status and an RFC 9457 problem once,
// so no service needs to know it is behind HTTP. `slug` names the class of problem
// (urn:vigil:problem:<slug>, listed in docs/api.md) and `message` is the detail a person can
// act on.

export interface DomainErrorOptions {
  /** Fields the problem carries beside its detail (`differences`, `topics`, ...). */
  extras?: Record<string, unknown>;
  /** When the same request may succeed: seconds to wait (a "not yet"). */
  retryAfterS?: number | null;
}

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  readonly slug: string;
  readonly title: string;
  readonly extras: Record<string, unknown>;
  readonly retryAfterS: number | null;

  constructor(
    slug: string,
    title: string,
    detail: string,
    { extras = {}, retryAfterS = null }: DomainErrorOptions = {},
  ) {
    super(detail);
    this.name = new.target.name;
    this.slug = slug;
    this.title = title;
    this.extras = extras;
    this.retryAfterS = retryAfterS;
  }
}

export type DomainErrorKind =
  | 'invalid'
  | 'not-permitted'
  | 'not-found'
  | 'conflict'
  | 'too-large'
  | 'unprocessable'
  | 'unavailable';

/** The request is malformed or breaks a rule of its own (400). */
export class InvalidInput extends DomainError {
  readonly kind = 'invalid';
}

/** The caller is known but may not do this (403). */
export class NotPermitted extends DomainError {
  readonly kind = 'not-permitted';
}

/** What the request names does not exist, or not for this caller (404). */
export class NotFound extends DomainError {
  readonly kind = 'not-found';
}

/** It clashes with what is already recorded, or is not possible yet (409). */
export class Conflict extends DomainError {
  readonly kind = 'conflict';
}

/** Larger than this coordinator accepts (413). */
export class TooLarge extends DomainError {
  readonly kind = 'too-large';
}

/** Well formed, but refers to things that do not exist (an unknown topic or node) (422). */
export class Unprocessable extends DomainError {
  readonly kind = 'unprocessable';
}

/** The coordinator cannot serve this now, through no fault of the request (503). */
export class Unavailable extends DomainError {
  readonly kind = 'unavailable';
}

/** How long a client should wait before trying again when the store cannot serve (503). */
export const STORE_RETRY_AFTER_S = 5;

export const notFound = (detail: string) => new NotFound('not-found', 'Not found', detail);
export const conflict = (detail: string, extras?: Record<string, unknown>) =>
  new Conflict('conflict', 'Conflict', detail, extras === undefined ? {} : { extras });
export const badRequest = (detail: string, extras?: Record<string, unknown>) =>
  new InvalidInput('invalid-request', 'Invalid request', detail, extras === undefined ? {} : { extras });
