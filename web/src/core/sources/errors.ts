/**
 * What can be wrong with an image archive, one class per cause, each naming the archive member
 * it is about. A manifest or config that does not hash to its digest is the core's
 * `DigestMismatchError` (its subject names the member).
 */

export class ArchiveError extends Error {
  override readonly name: string = 'ArchiveError';
  constructor(
    message: string,
    /** The archive member the problem is about, when there is one (`manifest.json`, `blobs/sha256/…`). */
    readonly member?: string,
  ) {
    super(message);
  }
}

/** The file is not a tar archive, or its tar structure is broken (bad header, truncated). */
export class ArchiveTarError extends ArchiveError {
  override readonly name: string = 'ArchiveTarError';
  constructor(
    message: string,
    /** Byte offset in the archive where the problem was found. */
    readonly offset: number,
    member?: string,
  ) {
    super(message, member);
  }
}

/** A valid tar that is none of the image archive layouts Lading knows. */
export class ArchiveLayoutError extends ArchiveError {
  override readonly name: string = 'ArchiveLayoutError';
  constructor(
    message: string,
    /** A few member names, to show what the archive holds instead. */
    readonly sample: readonly string[],
  ) {
    super(message);
  }
}

/** A member the layout needs (manifest.json, index.json, a blob) is not in the archive. */
export class ArchiveMissingMemberError extends ArchiveError {
  override readonly name: string = 'ArchiveMissingMemberError';
  constructor(
    message: string,
    override readonly member: string,
    /** The member or document that points at it, e.g. `manifest.json` or `index.json`. */
    readonly referencedBy?: string,
  ) {
    super(message, member);
  }
}

/** A member is not valid JSON, or not the JSON document its place in the layout calls for. */
export class ArchiveJsonError extends ArchiveError {
  override readonly name: string = 'ArchiveJsonError';
  constructor(
    message: string,
    override readonly member: string,
  ) {
    super(message, member);
  }
}

/** The documents parse but disagree with each other or with the members (sizes, layer counts). */
export class ArchiveContentError extends ArchiveError {
  override readonly name: string = 'ArchiveContentError';
}

/** The tag or platform asked for is not in the archive; `available` lists what is. */
export class ArchiveSelectionError extends ArchiveError {
  override readonly name: string = 'ArchiveSelectionError';
  constructor(
    message: string,
    readonly what: 'tag' | 'platform',
    readonly requested: string,
    readonly available: readonly string[],
  ) {
    super(message);
  }
}
