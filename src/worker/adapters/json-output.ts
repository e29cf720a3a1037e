import { type AdapterOutcome, failed, MAX_OUTPUT_BYTES } from './adapter.ts';

/** An adapter's output text as the result: exactly one JSON document, else `malformed-output`. */
export function parseJsonOutput(text: string, source: string): AdapterOutcome {
  if (text.trim() === '') return failed('malformed-output', `${source} was empty, expected JSON`, false);
  try {
    return { ok: true, result: JSON.parse(text) };
  } catch (err) {
    return failed(
      'malformed-output',
      `${source} is not one JSON document (${(err as Error).message}): ${preview(text)}`,
      false,
    );
  }
}

/** The same check for an in-process value: it must survive the trip to the coordinator as JSON. */
export function jsonValueOutcome(value: unknown, source: string): AdapterOutcome {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    return failed(
      'malformed-output',
      `${source} cannot be encoded as JSON: ${(err as Error).message}`,
      false,
    );
  }
  if (text === undefined) return failed('malformed-output', `${source} is ${typeof value}, not JSON`, false);
  if (Buffer.byteLength(text) > MAX_OUTPUT_BYTES) return tooLarge(source);
  return { ok: true, result: JSON.parse(text) };
}

export function tooLarge(source: string): AdapterOutcome {
  return failed('result-too-large', `${source} is larger than ${MAX_OUTPUT_BYTES} bytes`, false);
}

export function preview(text: string, chars = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > chars ? `${flat.slice(0, chars)}…` : flat;
}
