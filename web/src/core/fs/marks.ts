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

/** For the UI's help: how Lading decides a path was modified. */
export const CHANGE_COMPARISON_HELP =
  'A path is Added when no layer below had it, Removed when this layer deletes it (a whiteout, an ' +
  'opaque directory, or a file replacing a directory), and Modified when its entry differs from the one ' +
  'it replaces in type, size, permissions, owner (uid/gid), link target or modification time. dive ' +
  'compares a hash of the file contents instead of size and time; Lading reads only the tar headers, so ' +
  'a file rewritten with the same size, mode, owner and timestamp counts as Unmodified, and a touched ' +
  'file with identical bytes counts as Modified. Directories are compared on type, permissions and owner ' +
  '(their time changes whenever an entry inside does), and, as in dive, a directory is Modified when ' +
  'anything inside it was added, modified or removed.';
