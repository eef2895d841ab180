/**
 * SLSA provenance, v0.2 (what BuildKit writes by default) and v1 (`version=v1`, GitHub's
 * attest-build-provenance), reduced to what a reader checks: who built it, how, from what,
 * with which build arguments.
 */

export interface ProvenanceMaterial {
  uri?: string;
  name?: string;
  /** `{ sha256: "…" }` */
  digest: Record<string, string>;
}

export interface BuildArg {
  name: string;
  value: string;
}

export interface Provenance {
  slsaVersion: 'v0.1' | 'v0.2' | 'v1' | 'unknown';
  builderId?: string;
  /** v1 `runDetails.builder.version`. */
  builderVersion?: Record<string, string>;
  buildType?: string;
  invocationId?: string;
  startedOn?: string;
  finishedOn?: string;
  /** The build definition's source: v0.2 `invocation.configSource`, BuildKit v1 `externalParameters.configSource`. */
  configSource?: { uri?: string; digest?: Record<string, string>; entryPoint?: string };
  /** BuildKit's frontend, e.g. `dockerfile.v0`. */
  frontend?: string;
  /** `--build-arg` values (BuildKit's `build-arg:` keys, prefix removed). */
  buildArgs: BuildArg[];
  /** Other frontend options BuildKit records (`label:…`, `target`, `source`…). */
  frontendOptions: BuildArg[];
  /** Everything the predicate records as parameters (v0.2 `invocation.parameters`, v1 `buildDefinition.externalParameters`). */
  parameters?: unknown;
  /** v0.2 `invocation.environment`, v1 `buildDefinition.internalParameters`. */
  environment?: unknown;
  /** v0.2 `materials`, v1 `resolvedDependencies`. */
  materials: ProvenanceMaterial[];
  reproducible?: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function digestMap(v: unknown): Record<string, string> {
  if (!isRecord(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(v)) if (typeof value === 'string') out[k] = value;
  return out;
}

function materials(list: unknown): ProvenanceMaterial[] {
  if (!Array.isArray(list)) return [];
  return list.filter(isRecord).map((m) => {
    const out: ProvenanceMaterial = { digest: digestMap(m.digest) };
    const uri = str(m.uri);
    const name = str(m.name);
    if (uri) out.uri = uri;
    if (name) out.name = name;
    return out;
  });
}

function toText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** BuildKit's `args` map: `build-arg:NAME` → build args; the rest → frontend options. */
function splitBuildKitArgs(args: unknown): { buildArgs: BuildArg[]; frontendOptions: BuildArg[] } {
  const buildArgs: BuildArg[] = [];
  const frontendOptions: BuildArg[] = [];
  if (isRecord(args)) {
    for (const [key, value] of Object.entries(args)) {
      if (key.startsWith('build-arg:')) buildArgs.push({ name: key.slice('build-arg:'.length), value: toText(value) });
      else frontendOptions.push({ name: key, value: toText(value) });
    }
  }
  const byName = (a: BuildArg, b: BuildArg) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return { buildArgs: buildArgs.sort(byName), frontendOptions: frontendOptions.sort(byName) };
}

function configSource(v: unknown): Provenance['configSource'] | undefined {
  if (!isRecord(v)) return undefined;
  const out: NonNullable<Provenance['configSource']> = {};
  const uri = str(v.uri);
  const entryPoint = str(v.entryPoint) ?? str(v.path);
  const digest = digestMap(v.digest);
  if (uri) out.uri = uri;
  if (entryPoint) out.entryPoint = entryPoint;
  if (Object.keys(digest).length) out.digest = digest;
  return Object.keys(out).length ? out : undefined;
}

export function slsaVersionOf(predicateType: string): Provenance['slsaVersion'] {
  if (/^https:\/\/slsa\.dev\/provenance\/v1\b/.test(predicateType)) return 'v1';
  if (predicateType === 'https://slsa.dev/provenance/v0.2') return 'v0.2';
  if (predicateType === 'https://slsa.dev/provenance/v0.1') return 'v0.1';
  return 'unknown';
}

export function isProvenancePredicate(predicateType: string): boolean {
  return /^https:\/\/slsa\.dev\/provenance\//.test(predicateType);
}

export function parseProvenance(predicateType: string, predicate: unknown): Provenance {
  if (!isRecord(predicate)) throw new Error('the provenance predicate is not a JSON object');
  let version = slsaVersionOf(predicateType);
  if (version === 'unknown') version = isRecord(predicate.buildDefinition) ? 'v1' : 'v0.2';
  return version === 'v1' ? parseV1(predicate) : parseV02(predicate, version);
}

function parseV02(p: Record<string, unknown>, slsaVersion: 'v0.1' | 'v0.2'): Provenance {
  const builder = isRecord(p.builder) ? p.builder : {};
  const invocation = isRecord(p.invocation) ? p.invocation : {};
  // v0.1 called it `recipe` (type, definedInMaterial, entryPoint, arguments, environment).
  const recipe = isRecord(p.recipe) ? p.recipe : {};
  const metadata = isRecord(p.metadata) ? p.metadata : {};
  const parameters = invocation.parameters ?? recipe.arguments;
  const params = isRecord(parameters) ? parameters : {};
  const out: Provenance = { slsaVersion, ...splitBuildKitArgs(params.args), materials: materials(p.materials) };
  const builderId = str(builder.id);
  const buildType = str(p.buildType) ?? str(recipe.type);
  // The spec says buildInvocationId; BuildKit writes buildInvocationID.
  const invocationId = str(metadata.buildInvocationId) ?? str(metadata.buildInvocationID);
  const startedOn = str(metadata.buildStartedOn);
  const finishedOn = str(metadata.buildFinishedOn);
  const source = configSource(invocation.configSource) ?? configSource({ entryPoint: recipe.entryPoint });
  const frontend = str(params.frontend);
  if (builderId) out.builderId = builderId;
  if (buildType) out.buildType = buildType;
  if (invocationId) out.invocationId = invocationId;
  if (startedOn) out.startedOn = startedOn;
  if (finishedOn) out.finishedOn = finishedOn;
  if (source) out.configSource = source;
  if (frontend) out.frontend = frontend;
  if (parameters !== undefined) out.parameters = parameters;
  const environment = invocation.environment ?? recipe.environment;
  if (environment !== undefined) out.environment = environment;
  if (typeof metadata.reproducible === 'boolean') out.reproducible = metadata.reproducible;
  return out;
}

function parseV1(p: Record<string, unknown>): Provenance {
  const definition = isRecord(p.buildDefinition) ? p.buildDefinition : {};
  const run = isRecord(p.runDetails) ? p.runDetails : {};
  const builder = isRecord(run.builder) ? run.builder : {};
  const metadata = isRecord(run.metadata) ? run.metadata : {};
  const external = isRecord(definition.externalParameters) ? definition.externalParameters : {};
  // BuildKit v1: externalParameters.request.{frontend,args}; others put args at the top.
  const request = isRecord(external.request) ? external.request : external;
  const out: Provenance = { slsaVersion: 'v1', ...splitBuildKitArgs(request.args), materials: materials(definition.resolvedDependencies) };
  const builderId = str(builder.id);
  const buildType = str(definition.buildType);
  const invocationId = str(metadata.invocationId) ?? str(metadata.invocationID);
  const startedOn = str(metadata.startedOn);
  const finishedOn = str(metadata.finishedOn);
  const source = configSource(external.configSource);
  const frontend = str(request.frontend);
  const builderVersion = digestMap(builder.version);
  if (builderId) out.builderId = builderId;
  if (Object.keys(builderVersion).length) out.builderVersion = builderVersion;
  if (buildType) out.buildType = buildType;
  if (invocationId) out.invocationId = invocationId;
  if (startedOn) out.startedOn = startedOn;
  if (finishedOn) out.finishedOn = finishedOn;
  if (source) out.configSource = source;
  if (frontend) out.frontend = frontend;
  if (definition.externalParameters !== undefined) out.parameters = definition.externalParameters;
  if (definition.internalParameters !== undefined) out.environment = definition.internalParameters;
  return out;
}
