/**
 * Seek indexes: restart points per layer, so that one file's content is one range read from the
 * nearest point instead of the layer streamed from its start. See README.md.
 */
export { buildSeekIndex, type BuildOptions, type BuildResult } from './build';
export { parseSeekIndex, serializeSeekIndex } from './format';
export { readFromRestart } from './read';
export { hasRestartPoints, planRead, type ReadPlan, type RestartKind, type RestartPoint, type SeekIndex } from './seekIndex';
export { MIN_INDEXED_BYTES, SeekIndexBuilder, type SeekBuildJob, type SeekBuilderHooks } from './background';
export { extractWithIndex, type SeekRead } from './extractBySeek';
