/**
 * What a starting process has opened, to close in the reverse order: a start that fails half
 * way closes what it opened so far, and a stop closes everything, last opened first.
 */
export class Closers {
  readonly #closers: Array<() => unknown> = [];

  add(close: () => unknown): void {
    this.#closers.push(close);
  }

  /** Closes each, last added first, once; an error stops the rest and is thrown. */
  async closeAll(): Promise<void> {
    for (const close of this.#closers.splice(0).reverse()) await close();
  }
}
