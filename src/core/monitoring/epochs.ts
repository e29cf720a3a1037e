/** How epochs are laid out on the clock; all values are integer milliseconds. */
export interface EpochConfig {
  /** Start of epoch `first_epoch`, in UTC epoch milliseconds. */
  readonly genesis_ms: number;
  /**
   * The number of the epoch that starts at genesis: 0 for a network's first schedule. A network
   * that changes its schedule starts the new one at the end of its last recorded epoch, with
   * that epoch's number + 1; the epochs before keep the spans they were recorded with.
   */
  readonly first_epoch?: number;
  readonly length_ms: number;
  /** How long after an epoch ends its reports are accepted; 0 means never. */
  readonly report_window_ms: number;
}

/** One epoch's span: [start_ms, end_ms), and its report window [end_ms, report_window_end_ms). */
export interface EpochBounds {
  readonly number: number;
  readonly start_ms: number;
  readonly end_ms: number;
  readonly report_window_end_ms: number;
}

export interface EpochSchedule {
  readonly config: EpochConfig;
  /** The epoch containing the instant, or null before genesis (before this schedule). */
  epochAt(t_ms: number): number | null;
  /** An epoch's span; throws for an epoch before this schedule's first. */
  epochBounds(epoch: number): EpochBounds;
  /** True while the epoch's reports are accepted: end_ms ≤ t < report_window_end_ms. */
  isReportWindowOpen(epoch: number, t_ms: number): boolean;
}

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer ≥ ${min}, got ${value}`);
  }
}

/**
 * Epoch arithmetic over one validated config. An instant before genesis belongs to no epoch:
 * `epochAt` returns null for it rather than throwing, because "no epoch yet" is an ordinary
 * answer for a coordinator started before its configured genesis.
 */
export function epochSchedule(config: EpochConfig): EpochSchedule {
  const { genesis_ms, length_ms, report_window_ms, first_epoch = 0 } = config;
  requireInteger('genesis_ms', genesis_ms, 0);
  requireInteger('length_ms', length_ms, 1);
  requireInteger('report_window_ms', report_window_ms, 0);
  requireInteger('first_epoch', first_epoch, 0);
  const frozen: EpochConfig = Object.freeze({ genesis_ms, length_ms, report_window_ms, first_epoch });

  function epochAt(t_ms: number): number | null {
    requireInteger('t_ms', t_ms, 0);
    if (t_ms < genesis_ms) return null;
    const elapsed = t_ms - genesis_ms;
    // Float division can round up to the next integer near 2^53; correct it with exact products.
    let n = Math.floor(elapsed / length_ms);
    if (n * length_ms > elapsed) n--;
    else if ((n + 1) * length_ms <= elapsed) n++;
    return first_epoch + n;
  }

  function epochBounds(epoch: number): EpochBounds {
    requireInteger('epoch', epoch, first_epoch);
    const start_ms = genesis_ms + (epoch - first_epoch) * length_ms;
    const end_ms = start_ms + length_ms;
    const report_window_end_ms = end_ms + report_window_ms;
    if (!Number.isSafeInteger(report_window_end_ms)) {
      throw new RangeError(`epoch ${epoch} ends beyond the safe integer range of milliseconds`);
    }
    return { number: epoch, start_ms, end_ms, report_window_end_ms };
  }

  function isReportWindowOpen(epoch: number, t_ms: number): boolean {
    requireInteger('t_ms', t_ms, 0);
    const { end_ms, report_window_end_ms } = epochBounds(epoch);
    return end_ms <= t_ms && t_ms < report_window_end_ms;
  }

  return Object.freeze({ config: frozen, epochAt, epochBounds, isReportWindowOpen });
}
