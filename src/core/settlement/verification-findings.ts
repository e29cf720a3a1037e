import {
  type CheckOutcome,
  VERIFICATION_CHECKS,
  type VerificationCheck,
  type VerificationDifference,
} from './verification-types.ts';

// What the verification's checks share: how values are shown in a difference's line, and the
// differences found so far.

export const show = (value: unknown): string => JSON.stringify(value) ?? String(value);
export const list = (ids: readonly string[]): string => `[${ids.join(', ')}]`;
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The differences found so far, in the order `vigil verify` prints them. */
export class Findings {
  readonly list: VerificationDifference[] = [];
  readonly skipped = new Map<VerificationCheck, string>();

  add(
    check: VerificationCheck,
    subject: string,
    line: string,
    values: { published?: unknown; recomputed?: unknown } = {},
  ): void {
    this.list.push({ check, subject, ...values, line });
  }

  outcomes(): CheckOutcome[] {
    return VERIFICATION_CHECKS.map(({ check, title }) => ({
      check,
      title,
      skipped: this.skipped.get(check) ?? null,
      differences: this.list.filter((d) => d.check === check),
    }));
  }
}
