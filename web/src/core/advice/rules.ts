/**
 * The shrink rules: fixed ids (scripts rely on them), the one-sentence fix of each, and the path
 * patterns the path-based rules go by. Patterns are on absolute paths (`/usr/share/doc/…`).
 *
 * Sources for the locations: Debian's apt (`/var/lib/apt/lists`, `/var/cache/apt/archives` and
 * the `*.bin` caches), apk (`/var/cache/apk`), dnf/yum/zypper (`/var/cache/{dnf,yum,zypp}`), pip
 * (`~/.cache/pip`), npm (`~/.npm/_cacache`), yarn (`/usr/local/share/.cache/yarn`, `~/.cache/yarn`)
 * and the XDG cache directory (`~/.cache`). Docs: Debian policy's `/usr/share/{doc,man,info}`
 * and gettext's `/usr/share/locale`. Compilers: GCC's `/usr/lib/gcc`, `/usr/libexec/gcc`
 * (cc1), TinyCC's `/usr/lib/<triplet>/tcc`, LLVM's `/usr/lib/llvm-*`, and headers in
 * `/usr/include` (what -dev packages ship).
 */

export type AdviceRule =
  'deleted-later' | 'metadata-only-copy' | 'duplicate-content' | 'package-cache' | 'build-toolchain' | 'docs-and-locales' | 'static-and-debug';

/**
 * In the order entries are claimed: a byte belongs to the first rule that claims it, so no byte
 * is counted twice. Dead bytes first (they are certain waste), then the specific kinds of live
 * files, duplicates last (what remains after the others would be removed).
 */
export const ADVICE_RULES: readonly AdviceRule[] = [
  'metadata-only-copy',
  'deleted-later',
  'package-cache',
  'build-toolchain',
  'static-and-debug',
  'docs-and-locales',
  'duplicate-content',
];

export const RULE_FIX: Readonly<Record<AdviceRule, string>> = {
  'deleted-later': 'Remove these files in the same RUN that creates them, or build them in an earlier stage and copy only what you need.',
  'metadata-only-copy': 'Set the mode or owner where the file is written (COPY --chmod / --chown, or chmod in the same RUN) instead of in a later layer.',
  'duplicate-content': 'Keep one copy of these bytes and link or copy it once, instead of storing it at several paths.',
  'package-cache':
    'Clean the package manager’s cache in the same RUN that installs (rm -rf /var/lib/apt/lists/*, apk --no-cache, pip --no-cache-dir), or use a cache mount.',
  'build-toolchain': 'Build in a stage that has the compiler and headers, and copy only the results into a final stage without them (multi-stage build).',
  'docs-and-locales': 'Leave out documentation, man pages and locales (dpkg path-exclude, --no-install-recommends, or delete them in the installing RUN).',
  'static-and-debug': 'Drop static libraries and debug symbols from the final image (strip, or keep them in a build stage).',
};

/** What each rule is about, for the UI's help and the CLI's legend. */
export const RULE_TITLE: Readonly<Record<AdviceRule, string>> = {
  'deleted-later': 'Files a later layer deletes or overwrites',
  'metadata-only-copy': 'Same bytes written again for a mode, owner or time change',
  'duplicate-content': 'Identical bytes at several paths',
  'package-cache': 'Package manager caches left in a layer',
  'build-toolchain': 'Compilers and development files in the final image',
  'docs-and-locales': 'Documentation and locales',
  'static-and-debug': 'Static libraries and debug symbols',
};

const CACHE = [
  /^\/var\/lib\/apt\/lists\/./,
  /^\/var\/cache\/apt\/./,
  /^\/var\/cache\/(apk|dnf|yum|zypp)\/./,
  /^\/(root|home\/[^/]+)\/\.cache\/./,
  /^\/(root|home\/[^/]+)\/\.npm\/_cacache\/./,
  /^\/usr\/local\/share\/\.cache\/yarn\/./,
  /^\/tmp\/\.?(pip|npm|yarn)[^/]*cache/i,
];

const DOCS = [/^\/usr\/share\/(doc|man|info|gtk-doc|help)\/./, /^\/usr\/share\/locale\/./, /^\/usr\/local\/share\/(doc|man)\/./];

const STATIC_DEBUG = [/\.a$/, /^\/usr\/lib\/debug\/./, /\.debug$/];

/** Where compilers and headers live when no package database says who owns what. */
const TOOLCHAIN_PATHS = [
  /^\/usr\/bin\/(gcc|g\+\+|cc|c\+\+|cpp|c89|c99|tcc|clang|clang\+\+|gfortran|rustc|cargo|go|ld|ld\.bfd|ld\.gold|as|make|cmake)(-[\d.]+)?$/,
  /^\/usr\/bin\/[a-z0-9_]+-linux-gnu[a-z]*-(gcc|g\+\+|cpp|ld|ld\.bfd|ld\.gold|as|gfortran)(-[\d.]+)?$/,
  /^\/usr\/(lib|libexec)\/gcc\/./,
  /^\/usr\/lib\/([^/]+\/)?tcc\/./,
  /^\/usr\/lib\/llvm-[^/]+\/./,
  /^\/usr\/(local\/)?include\/./,
  /^\/usr\/local\/go\/./,
  /\/cc1(plus)?$/,
];

/** Package names of compilers, build tools and development files (deb, rpm, apk spellings). */
const TOOLCHAIN_PACKAGE =
  /^(gcc|g\+\+|cpp|clang|llvm|tcc|binutils|make|cmake|build-essential|autoconf|automake|libtool|pkg-config|pkgconf|golang|rustc|cargo|nasm|yasm|bison|flex|gfortran|musl-dev)(-[a-z0-9.+-]+)?$|-(dev|devel|static)(:[a-z0-9]+)?$/;
/** Runtime parts that share a compiler's name (Debian's gcc-12-base holds only docs and is required). */
const NOT_TOOLCHAIN = /-(base|doc)$/;

export function isPackageCache(path: string): boolean {
  return CACHE.some((re) => re.test(path));
}

export function isDocOrLocale(path: string): boolean {
  return DOCS.some((re) => re.test(path));
}

export function isStaticOrDebug(path: string): boolean {
  return STATIC_DEBUG.some((re) => re.test(path));
}

export function isToolchainPath(path: string): boolean {
  return TOOLCHAIN_PATHS.some((re) => re.test(path));
}

export function isToolchainPackage(name: string): boolean {
  return TOOLCHAIN_PACKAGE.test(name) && !NOT_TOOLCHAIN.test(name);
}
