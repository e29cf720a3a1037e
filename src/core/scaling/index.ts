export { type BacklogSizing, backlogProposal, backlogSizing } from './backlog.ts';
export { decide } from './decide.ts';
export { DEFAULT_BEHAVIOUR, DEFAULT_TOLERANCE, scaledTarget } from './defaults.ts';
export { freshReading, type PolicyContext } from './readings.ts';
export { stabilize } from './stabilization.ts';
export { stepLimits } from './steps.ts';
export { targetProposal } from './target.ts';
export * from './types.ts';
export { EMPTY_WATERMARK, watermarkProposal } from './watermark.ts';
