import { describe, expect, it } from 'vitest';
import { npmNodeMajor } from '../../tools/optional-builds.ts';

describe("the install's second npm run on Node 24 (tools/optional-builds.ts)", () => {
  it("reads the Node that npm runs on from npm's user agent", () => {
    expect(npmNodeMajor('npm/11.19.1 node/v20.20.2 linux x64 workspaces/false')).toBe(20);
    expect(npmNodeMajor('npm/11.6.0 node/v24.21.0 darwin arm64 workspaces/false ci/github-actions')).toBe(24);
  });

  it('knows nothing when npm did not say (a script run by hand, another package manager)', () => {
    expect(npmNodeMajor(undefined)).toBeNull();
    expect(npmNodeMajor('')).toBeNull();
    expect(npmNodeMajor('yarn/1.22.22 npm/? node/? linux x64')).toBeNull();
  });
});
