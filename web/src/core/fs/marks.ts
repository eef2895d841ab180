/** What a layer did to a path, against the stack of layers below it. Numbered as dive's DiffType. */
export const Mark = {
  Unmodified: 0,
  Modified: 1,
  Added: 2,
  Removed: 3,
} as const;
export type Mark = (typeof Mark)[keyof typeof Mark];

/** In per-node mark arrays: the node is not part of this view (or the layer did nothing there). */
export const NOT_IN_VIEW = 255;

export const MARK_NAMES = ['unmodified', 'modified', 'added', 'removed'] as const;
export type MarkName = (typeof MARK_NAMES)[number];

/** Why an entry of a lower layer cannot be seen in the final image. */
export const Fate = {
  /** Still visible in the final image (or not content: whiteout and opaque markers). */
  Visible: 0,
  /** A later entry at the same path replaced it (or replaced a directory above it by a file). */
  Overwritten: 1,
  /** A whiteout (`.wh.name`) deleted it or a directory above it. */
  Deleted: 2,
  /** An opaque directory (`.wh..wh..opq`) above it hid it. */
  HiddenByOpaque: 3,
} as const;
export type Fate = (typeof Fate)[keyof typeof Fate];

export type ReclaimReason = 'overwritten' | 'deleted' | 'hidden-by-opaque';
export const REASONS: readonly ReclaimReason[] = ['overwritten', 'deleted', 'hidden-by-opaque'];

/** For the UI's help: how Lading decides a path was modified (entryCompare.ts). */
export const CHANGE_COMPARISON_HELP =
  'A path is Added when no layer below had it, Removed when this layer deletes it (a whiteout, an ' +
  'opaque directory, or a file replacing a directory), and Modified when its entry differs from the one ' +
  'it replaces. As in dive, a file is compared by type, permissions, owner (uid/gid) and a hash of its ' +
  'bytes (XXH64, the hash dive uses), read in the same pass as the headers: a file touched or copied again ' +
  'with identical bytes is Unmodified, whatever its modification time. Where no hash is known (the layer ' +
  'was read with the hash off, or only its table of contents is read so far) size and modification time ' +
  'stand in for the bytes. Unlike dive, a link whose target changed is Modified. Directories are compared ' +
  'on type, permissions and owner (their time changes whenever an entry inside does), and, as in dive, a ' +
  'directory is Modified when anything inside it was added, modified or removed.';
