import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface BundleSizes {
  /** The JavaScript the first load of any page fetches: the entry and what it preloads. */
  initialJsGzip: number;
  initialJsRaw: number;
  /** Each lazily loaded chunk (a page, a library only a page uses), gzipped. */
  chunks: { file: string; gzip: number }[];
  cssGzip: number;
}

/** Sizes of the built dashboard, read from dist/dashboard as the coordinator serves it. */
export function bundleSizes(dir: string): BundleSizes {
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const initial = new Set<string>();
  for (const m of html.matchAll(/<script[^>]+src="\/(assets\/[^"]+\.js)"/g)) initial.add(m[1] as string);
  for (const m of html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\/(assets\/[^"]+\.js)"/g))
    initial.add(m[1] as string);
  const gz = (file: string) => gzipSync(readFileSync(join(dir, file))).length;
  const assets = readdirSync(join(dir, 'assets')).map((f) => `assets/${f}`);
  return {
    initialJsGzip: [...initial].reduce((sum, f) => sum + gz(f), 0),
    initialJsRaw: [...initial].reduce((sum, f) => sum + readFileSync(join(dir, f)).length, 0),
    chunks: assets
      .filter((f) => f.endsWith('.js') && !initial.has(f))
      .map((file) => ({ file, gzip: gz(file) }))
      .sort((a, b) => b.gzip - a.gzip),
    cssGzip: assets.filter((f) => f.endsWith('.css')).reduce((sum, f) => sum + gz(f), 0),
  };
}
