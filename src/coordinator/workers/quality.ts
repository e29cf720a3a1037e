import { qualityScore } from '../../core/work/quality.ts';
import type { NodeQuality } from '../../store/repositories/node-quality.ts';

export { qualityScore };

export function qualityView(quality: NodeQuality) {
  return { verified: quality.verified, failed: quality.failed, score: qualityScore(quality) };
}
