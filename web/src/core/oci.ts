/**
 * The OCI image-spec and Docker schema 2 documents Lading reads, as TypeScript types.
 * Field names follow the specs exactly; everything optional that the specs allow to be absent.
 */

/**
 * The largest manifest, index or config Lading reads (4 MiB, the limit distribution and containerd
 * put on manifests): anything larger is refused, never buffered. The one definition: the registry
 * client, the archive sources and the proxy (LADING_MAX_JSON_BYTES' default) use it.
 */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
  data?: string;
}

/** OCI image index or Docker manifest list. */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** OCI image manifest or Docker schema 2 manifest. */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The runtime part of an image config (`config` in OCI, `config` / `container_config` in Docker). */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  ArgsEscaped?: boolean;
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; Retries?: number };
  Shell?: string[];
  OnBuild?: string[] | null;
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  config?: ContainerConfig;
  rootfs: { type: string; diff_ids: string[] };
  history?: HistoryEntry[];
  /** Docker-only fields that some tools still write. */
  docker_version?: string;
  container_config?: ContainerConfig;
}
