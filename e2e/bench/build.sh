#!/usr/bin/env bash
# Builds a benchmark image as an OCI layout from real Debian packages (amd64), one package group
# per layer, with umoci; makes its zstd variant with skopeo; describes it in bench-image.json.
#
#   bash e2e/bench/build.sh [standard|heavy]     # cached: does nothing when the stamp matches
#   LADING_BENCH_FORCE=1 bash e2e/bench/build.sh heavy
#
# Two images:
#   standard  lading/bench, 6 layers, ~550 MB of tar (about 90 MB of .deb downloaded once),
#             tags gzip, zstd, single-small, single-medium, single-large
#   heavy     lading/bench-heavy, 7 layers, ~1.7 GB of tar (about 230 MB of .deb downloaded once),
#             tags gzip, zstd. Big to build: it is built under flock /tmp/lading-heavy.lock (taken
#             here unless a parent process already holds it, as `flock … npm run bench` does).
#
# Needs (Debian packages): umoci skopeo jq zstd gzip apt dpkg tar coreutils util-linux (flock).
# Output (git-ignored), under e2e/.artifacts/bench/:
#   image/, heavy/          per image: layout/ (OCI layout) and bench-image.json, what run.ts
#                           reads: per tag, the layers with digest, size, diff_id, uncompressed
#                           size and tar entry count
#   cache/                  downloaded .deb files and the private apt state (shared, kept across builds)
set -euo pipefail
shopt -s inherit_errexit

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ART=$ROOT/e2e/.artifacts/bench
CACHE=$ART/cache
VARIANT=${1:-standard}
HEAVY_LOCK=/tmp/lading-heavy.lock

export SOURCE_DATE_EPOCH=1700000000 # 2023-11-14T22:13:20Z
export TZ=UTC LC_ALL=C.UTF-8

# One RUN layer per line (the first, base-files, is a COPY). Large packages with many files.
case $VARIANT in
  standard)
    # ~530 MB and ~33,000 files uncompressed in total.
    OUT=$ART/image
    REPOSITORY=lading/bench
    SINGLES=1
    LAYERS=(
      "base-files"
      "libllvm15"
      "cpp-12 gcc-12"
      "libboost1.74-dev"
      "golang-1.19-src"
      "perl-modules-5.36 libpython3.11-stdlib python3-sympy"
    )
    ;;
  heavy)
    # ~1.6 GiB uncompressed: GHC's libraries (many files), LLVM's static libraries, a JRE, Rust's
    # standard library, a shared LLVM and GNAT.
    OUT=$ART/heavy
    REPOSITORY=lading/bench-heavy
    SINGLES=0
    LAYERS=(
      "base-files"
      "ghc"
      "llvm-15-dev"
      "openjdk-17-jre-headless"
      "libstd-rust-dev"
      "libllvm14"
      "gnat-12"
    )
    ;;
  *)
    echo "usage: build.sh [standard|heavy]" >&2
    exit 2
    ;;
esac
STAMP=$OUT/.stamp

log() { printf '[bench-image] %s\n' "$*" >&2; }
die() { printf '[bench-image] error: %s\n' "$*" >&2; exit 1; }

for tool in umoci skopeo jq zstd gzip apt-get dpkg-deb tar sha256sum flock; do
  command -v "$tool" >/dev/null || die "missing tool: $tool (apt-get install umoci skopeo jq zstd)"
done

cache_key() {
  {
    echo "$VARIANT ${LAYERS[*]}"
    sha256sum "$HERE/build.sh"
    umoci --version
    skopeo --version
  } | sha256sum | cut -d' ' -f1
}

# True when a parent process is `flock /tmp/lading-heavy.lock …` (taking it again would wait forever).
under_heavy_lock() {
  local pid=$PPID cmd
  while ((pid > 1)); do
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
    [[ $cmd == *flock*"$HEAVY_LOCK"* ]] && return 0
    # The parent pid is the field after the state, which follows the last ')': the command name
    # in parentheses may hold spaces ("(npm exec tsx)"), so fields cannot be counted from the start.
    pid=$(sed -E 's/.*\) [A-Za-z] ([0-9]+) .*/\1/' "/proc/$pid/stat" 2>/dev/null || echo 1)
    [[ $pid =~ ^[0-9]+$ ]] || pid=1
  done
  return 1
}

mkdir -p "$ART"
exec 9>"$ART/image.lock"
flock 9

KEY=$(cache_key)
if [[ -z ${LADING_BENCH_FORCE:-} && -f $STAMP && $(cat "$STAMP") == "$KEY" && -f $OUT/bench-image.json ]]; then
  log "up to date ($OUT/bench-image.json)"
  exit 0
fi
if [[ $VARIANT == heavy ]] && ! under_heavy_lock; then
  log "waiting for $HEAVY_LOCK (other heavy jobs on this machine)"
  exec 8>"$HEAVY_LOCK"
  flock 8
fi

START=$SECONDS
WORK=$OUT.work
NEW=$OUT.new
rm -rf "$WORK" "$NEW"
mkdir -p "$WORK" "$NEW" "$CACHE"
trap 'rm -rf "$WORK"' EXIT

# --- Debian packages: a private apt state fed from the system's Debian sources ---------------------
APT=$CACHE/apt
DEBS=$CACHE/debs

debian_sources() {
  local codename keyring opts
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  [[ -n $codename ]] || die "no VERSION_CODENAME in /etc/os-release"
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  opts="arch=amd64"
  [[ -f $keyring ]] && opts+=" signed-by=$keyring"
  apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT) $(IDENTIFIER)' |
    awk -v c="$codename" -v o="$opts" '
      $4 == "Packages" && $3 == "main" && ($2 == c || $2 == c "-updates" || $2 == c "-security") {
        line = "deb [" o "] " $1 " " $2 " main"
        if (!seen[line]++) print line
      }'
}

apt_private() {
  apt-get -q \
    -o Dir::State="$APT/state" -o Dir::State::status="$APT/state/status" \
    -o Dir::Cache="$APT/cache" -o Dir::Etc::sourcelist="$APT/sources.list" \
    -o Dir::Etc::sourceparts=- -o Dir::Etc::preferencesparts=- \
    -o APT::Architecture=amd64 -o APT::Architectures=amd64 \
    -o APT::Sandbox::User=root \
    "$@"
}

deb_path() { # package -> cached .deb (empty if absent)
  compgen -G "$DEBS/$1_*_amd64.deb" || compgen -G "$DEBS/$1_*_all.deb" || true
}

ALL_PACKAGES=()
for layer in "${LAYERS[@]}"; do
  read -ra pkgs <<<"$layer"
  ALL_PACKAGES+=("${pkgs[@]}")
done
MISSING=()
for p in "${ALL_PACKAGES[@]}"; do [[ -n $(deb_path "$p") ]] || MISSING+=("$p"); done
if ((${#MISSING[@]})); then
  log "apt-get download: ${MISSING[*]}"
  mkdir -p "$APT/state/lists/partial" "$APT/cache/archives/partial" "$DEBS"
  touch "$APT/state/status"
  debian_sources >"$APT/sources.list"
  [[ -s $APT/sources.list ]] || die "found no Debian sources in the apt configuration"
  apt_private update >"$APT/update.log" 2>&1 || { cat "$APT/update.log" >&2; die "apt-get update failed"; }
  (cd "$DEBS" && apt_private download "${MISSING[@]}") >"$APT/download.log" 2>&1 ||
    { cat "$APT/download.log" >&2; die "apt-get download failed"; }
fi

# --- the gzip image: umoci, one layer per package group ---------------------------------------------
L=$NEW/layout
IMG=$L:gzip
BUNDLE=$WORK/bundle
umoci init --layout "$L"
umoci new --image "$IMG"
STEP=0
next_time() {
  TIME_EPOCH=$((SOURCE_DATE_EPOCH + STEP * 60))
  TIME_RFC3339=$(date -u -d "@$TIME_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
  STEP=$((STEP + 1))
}
next_time
umoci config --image "$IMG" --os linux --architecture amd64 --author "Lading bench" \
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --created "$TIME_RFC3339" --history.created "$TIME_RFC3339" --history.created_by "ENV PATH=… # lading bench"
umoci unpack --image "$IMG" "$BUNDLE" >/dev/null
touch "$WORK/marker" && sleep 0.05

for i in "${!LAYERS[@]}"; do
  read -ra pkgs <<<"${LAYERS[$i]}"
  log "layer $((i + 1))/${#LAYERS[@]}: ${pkgs[*]}"
  for p in "${pkgs[@]}"; do
    deb=$(deb_path "$p")
    [[ -n $deb ]] || die "no .deb for $p"
    dpkg-deb -x "$deb" "$BUNDLE/rootfs"
    mkdir -p "$BUNDLE/rootfs/var/lib/dpkg"
    { dpkg-deb -f "$deb" | sed '/^Package:/a Status: install ok installed'; echo; } >>"$BUNDLE/rootfs/var/lib/dpkg/status"
  done
  next_time
  # This layer's files get this layer's time, so the layer tars are the same on every build.
  find "$BUNDLE/rootfs" -cnewer "$WORK/marker" -exec touch -h -d "@$TIME_EPOCH" {} +
  if ((i == 0)); then by="COPY ${pkgs[*]}/ / # lading bench"; else by="RUN /bin/sh -c apt-get install -y ${pkgs[*]} # lading bench"; fi
  umoci repack --refresh-bundle --image "$IMG" --history.created "$TIME_RFC3339" --history.created_by "$by" "$BUNDLE"
  touch "$WORK/marker" && sleep 0.05
done
rm -rf "$BUNDLE"
umoci gc --layout "$L"

# --- helpers over the layout ------------------------------------------------------------------------
blob() { echo "$L/blobs/sha256/${1#sha256:}"; }

ref_descriptor() { # ref -> descriptor without the ref annotation
  jq -c --arg r "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $r)
    | del(.annotations["org.opencontainers.image.ref.name"]) | if .annotations == {} then del(.annotations) else . end' \
    "$L/index.json"
}

put_json() { # json -> "sha256:<hex> <size>" (stored compact, as pushed)
  local f=$WORK/json.tmp hex
  jq -cj . <<<"$1" >"$f"
  hex=$(sha256sum <"$f" | cut -d' ' -f1)
  cp "$f" "$L/blobs/sha256/$hex"
  echo "sha256:$hex $(stat -c %s "$f")"
}

set_ref() { # ref descriptor-json
  jq --arg ref "$1" --argjson d "$2" '
    .manifests |= map(select(.annotations["org.opencontainers.image.ref.name"] != $ref))
      + [$d + {annotations: (($d.annotations // {}) + {"org.opencontainers.image.ref.name": $ref})}]
  ' "$L/index.json" >"$WORK/index.tmp"
  mv "$WORK/index.tmp" "$L/index.json"
}

# --- zstd variant ---------------------------------------------------------------------------------
# skopeo reuses blobs a destination already has without saying so: convert into an EMPTY layout,
# then copy the result over byte for byte.
log "skopeo: zstd variant"
skopeo copy -q --dest-compress-format zstd "oci:$L:gzip" "oci:$WORK/zstd:zstd"
skopeo copy -q --preserve-digests "oci:$WORK/zstd:zstd" "oci:$L:zstd"
rm -rf "$WORK/zstd"

# --- single-layer images (the smallest, second smallest and largest layer, same blobs) -------------
GZIP_MANIFEST=$(blob "$(ref_descriptor gzip | jq -r .digest)")
GZIP_CONFIG=$(blob "$(jq -r .config.digest "$GZIP_MANIFEST")")
single() { # ref layer-index
  local cfg m cd cs md ms
  cfg=$(jq -c --argjson i "$2" '{architecture, os, author, created, config,
      rootfs: {type: "layers", diff_ids: [.rootfs.diff_ids[$i]]},
      history: [[.history[] | select(.empty_layer != true)][$i]]}' "$GZIP_CONFIG")
  read -r cd cs < <(put_json "$cfg")
  m=$(jq -c --argjson i "$2" --arg cd "$cd" --argjson cs "$cs" \
    '.config = (.config + {digest: $cd, size: $cs}) | .layers = [.layers[$i]]' "$GZIP_MANIFEST")
  read -r md ms < <(put_json "$m")
  set_ref "$1" "$(jq -nc --arg d "$md" --argjson s "$ms" '{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s}')"
}
TAG_NAMES=(gzip zstd)
if ((SINGLES)); then
  BY_SIZE=$(jq -c '[.layers | to_entries[] | {k: .key, s: .value.size}] | sort_by(.s) | map(.k)' "$GZIP_MANIFEST")
  single single-small "$(jq '.[0]' <<<"$BY_SIZE")"
  single single-medium "$(jq '.[1]' <<<"$BY_SIZE")"
  single single-large "$(jq '.[-1]' <<<"$BY_SIZE")"
  TAG_NAMES+=(single-small single-medium single-large)
fi

# --- bench-image.json -------------------------------------------------------------------------------
log "describing the image"
layer_stats() { # descriptor-json -> {uncompressedSize, entryCount}
  local f
  f=$(blob "$(jq -r .digest <<<"$1")")
  case $(jq -r .mediaType <<<"$1") in
    *zstd) zstd -dcq <"$f" >"$WORK/layer.tar" ;;
    *gzip) gzip -dc <"$f" >"$WORK/layer.tar" ;;
    *) die "unexpected layer media type in $1" ;;
  esac
  jq -nc --argjson size "$(stat -c %s "$WORK/layer.tar")" --argjson n "$(tar -tf "$WORK/layer.tar" | wc -l)" \
    '{uncompressedSize: $size, entryCount: $n}'
  rm -f "$WORK/layer.tar"
}

describe_tag() { # ref
  local desc m c stats=() l
  desc=$(ref_descriptor "$1")
  m=$(blob "$(jq -r .digest <<<"$desc")")
  c=$(blob "$(jq -r .config.digest "$m")")
  while read -r l; do stats+=("$(layer_stats "$l")"); done < <(jq -c '.layers[]' "$m")
  jq -n --arg repo "$REPOSITORY" --arg tag "$1" --argjson d "$desc" --slurpfile m "$m" --slurpfile c "$c" \
    --argjson stats "$(printf '%s\n' "${stats[@]}" | jq -s .)" '
    $m[0] as $m | $c[0] as $c |
    [$c.history[] | select(.empty_layer != true) | .created_by] as $by |
    {repository: $repo, tag: $tag, reference: "\($repo):\($tag)",
     digest: $d.digest, mediaType: $d.mediaType, size: $d.size,
     layers: [$m.layers | to_entries[] | {
       digest: .value.digest, size: .value.size, mediaType: .value.mediaType,
       diffId: $c.rootfs.diff_ids[.key], createdBy: $by[.key]} + $stats[.key]]}'
}

packages_json() {
  local p deb
  for p in "${ALL_PACKAGES[@]}"; do
    deb=$(deb_path "$p")
    jq -nc --arg name "$p" --arg version "$(dpkg-deb -f "$deb" Version)" --argjson size "$(stat -c %s "$deb")" \
      '{name: $name, version: $version, debBytes: $size}'
  done | jq -s .
}

TAGS=()
for t in "${TAG_NAMES[@]}"; do TAGS+=("$(describe_tag "$t")"); done
jq -n --arg key "$KEY" --arg layout "${OUT#"$ROOT"/}/layout" \
  --argjson tags "$(printf '%s\n' "${TAGS[@]}" | jq -s .)" --argjson packages "$(packages_json)" '{
    schemaVersion: 1, cacheKey: $key, layout: $layout,
    tags: ($tags | map({key: .tag, value: .}) | from_entries),
    packages: $packages}' >"$NEW/bench-image.json"

echo "$KEY" >"$NEW/.stamp"
rm -rf "$OUT.old"
[[ -e $OUT ]] && mv "$OUT" "$OUT.old"
mv "$NEW" "$OUT"
rm -rf "$OUT.old"
log "done in $((SECONDS - START)) s: $OUT/bench-image.json"
