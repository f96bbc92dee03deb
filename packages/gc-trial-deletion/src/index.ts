/**
 * @pymem/gc-trial-deletion: Bacon and Rajan's synchronous cycle collection
 * (trial deletion) for pymem runtimes. Decrefs to a non-zero count buffer
 * purple candidates; markGray, scan and collectWhite find the garbage cycles
 * among what they reach; gc-common disposes of them.
 */
export { TrialDeletionGc, trialDeletionGc } from './collector.js';
export {
  DEFAULT_BUFFER_SIZE,
  GcAttachError,
  MAX_BUFFER_SIZE,
  type Colour,
  type TrialDeletionOptions,
  type TrialDeletionStats,
} from './api.js';
