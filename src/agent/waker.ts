/** A wait that ends early when woken or closed; a wake while not waiting ends the next wait at once. */
export interface Waker {
  sleep(ms: number): Promise<void>;
  wake(): void;
}

export function createWaker(): Waker {
  let wakeUp: (() => void) | null = null;
  let woken = false;
  return {
    sleep(ms) {
      if (woken) {
        woken = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          wakeUp = null;
          woken = false;
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, ms));
        wakeUp = done;
      });
    },
    wake() {
      if (wakeUp !== null) wakeUp();
      else woken = true;
    },
  };
}
