// `protobufjs/minimal` for the browser build. @datadog/sketches-js requires it only inside
// DDSketch's toProto and fromProto, which core never calls; it is not even installed for Node
// (a devDependency of that package). A bundler resolves every require, so it gets this stand-in,
// which fails the way Node would, on first use.

function unavailable(): never {
  throw new Error('protobufjs is not installed: DDSketch protobuf encoding is not available');
}

const refuse: ProxyHandler<object> = { get: unavailable };

export const roots: Record<string, unknown> = new Proxy({}, refuse) as Record<string, unknown>;
export const Reader: unknown = undefined;
export const Writer: unknown = undefined;
export const util: unknown = undefined;
