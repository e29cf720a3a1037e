// Runs from `npm install` (the `prepare` script), on the project's own Node 24.
//
// npm itself runs on the machine's Node. Where that is older than 24, npm skips every optional
// package whose `engines` leave its own Node out: Hardhat's chain (@nomicfoundation/edr-*,
// Node ≥ 22), which the EVM block source's tests run against. By the time `prepare` runs, the
// first install has brought the project's Node 24 (this script runs on it), so one more
// `npm install`, with npm on that Node, adds those builds. It changes no file the project
// tracks; package-lock.json already lists every platform's build (decisions 0051, 0067).
//
// A failure here (no registry, say) is a warning, never a failed install: only those tests
// need the builds, and they skip without them and say why.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The major version of the Node that npm itself runs on, from its user agent; null if unknown. */
export function npmNodeMajor(userAgent: string | undefined): number | null {
  const match = /\bnode\/v(\d+)\./.exec(userAgent ?? '');
  return match === null ? null : Number(match[1]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const major = npmNodeMajor(process.env.npm_config_user_agent);
  const npmCli = process.env.npm_execpath;
  // The second install runs npm on Node 24, so its own prepare would find nothing to do; its
  // scripts are skipped all the same (the first install ran them: the dashboard is built once).
  if (major !== null && major < 24 && npmCli !== undefined) {
    console.log(`npm ran on Node ${major}: npm install once more on the project's Node 24, for optional builds that need it`);
    const again = spawnSync(
      process.execPath,
      [npmCli, 'install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
      { stdio: 'inherit' },
    );
    if (again.status !== 0) {
      console.warn(
        `warning: the second npm install failed (${again.error?.message ?? `exit ${again.status}`}); ` +
          "only the EVM block source's tests need what it adds, and they skip without it",
      );
    }
  }
}
