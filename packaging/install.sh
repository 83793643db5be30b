#!/bin/sh
# Installs ftps-backup from this unpacked tarball, as root:
#   ./install.sh [--prefix DIR]      default DIR: /usr/local
#   ./install.sh --uninstall [--prefix DIR]
# Install: the program (with its own Node runtime) into DIR/lib/ftps-backup, the command DIR/bin/ftps-backup,
# documentation into DIR/share/doc/ftps-backup, the systemd unit /etc/systemd/system/ftps-backup.service
# (running DIR/lib/ftps-backup/runtime/bin/node), the logrotate snippet /etc/logrotate.d/ftps-backup, the
# example configuration as /etc/ftps-backup/*.example; creates the ftps-backup user and its folders.
# The service is never enabled or started: run `ftps-backup init`, then `systemctl enable --now ftps-backup`.
# Uninstall: the program, the command, the documentation, the unit and the logrotate snippet go; the
# configuration, state and logs stay (delete /etc/ftps-backup and /var/*/ftps-backup yourself).
set -eu
umask 022
HERE=$(cd "$(dirname "$0")" && pwd -P)
PREFIX=/usr/local
ACTION=install
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a folder" >&2; exit 2; }; PREFIX=$2; shift 2 ;;
    --prefix=*) PREFIX=${1#--prefix=}; shift ;;
    --uninstall) ACTION=uninstall; shift ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$PREFIX" in
  /*) ;;
  *) echo "install.sh: --prefix must be an absolute path, not $PREFIX" >&2; exit 2 ;;
esac
PREFIX=${PREFIX%/}
if [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run it as root (it creates a system user and installs a systemd unit)" >&2
  exit 1
fi
LIBDIR=$PREFIX/lib/ftps-backup
DOCDIR=$PREFIX/share/doc/ftps-backup
ETC_DIR=/etc/ftps-backup
UNIT=/etc/systemd/system/ftps-backup.service

@SYSTEM_SETUP@

reload_systemd() {
  if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
}

if [ "$ACTION" = uninstall ]; then
  if [ -d /run/systemd/system ]; then systemctl stop ftps-backup.service 2>/dev/null || true; fi
  rm -rf "$LIBDIR" "$DOCDIR"
  if [ -L "$PREFIX/bin/ftps-backup" ]; then rm -f "$PREFIX/bin/ftps-backup"; fi
  rm -f "$UNIT" /etc/logrotate.d/ftps-backup
  reload_systemd
  echo "ftps-backup removed from $PREFIX; kept $ETC_DIR, /var/lib/ftps-backup, /var/log/ftps-backup"
  exit 0
fi

mkdir -p "$PREFIX/bin" "$PREFIX/lib" "$PREFIX/share/doc"
# the new program next to the old one, then swapped in
rm -rf "$LIBDIR.new"
cp -R "$HERE/lib/ftps-backup" "$LIBDIR.new"
rm -rf "$LIBDIR"
mv "$LIBDIR.new" "$LIBDIR"
rm -rf "$DOCDIR"
cp -R "$HERE/share/doc/ftps-backup" "$DOCDIR"
ln -sfn "$LIBDIR/bin/ftps-backup" "$PREFIX/bin/ftps-backup"
ftps_backup_setup_system
cp "$HERE/share/doc/ftps-backup/examples/config.example.yaml" "$ETC_DIR/config.yaml.example"
for f in "$HERE"/share/doc/ftps-backup/examples/jobs/*.yaml; do
  cp "$f" "$ETC_DIR/jobs/$(basename "$f").example"
done
mkdir -p /etc/systemd/system
sed -e "s|@LIBDIR@|$LIBDIR|g" -e "s|@DOCDIR@|$DOCDIR|g" "$HERE/share/ftps-backup/ftps-backup.service.in" >"$UNIT"
chmod 0644 "$UNIT"
if [ -d /etc/logrotate.d ]; then
  cp "$HERE/share/ftps-backup/ftps-backup.logrotate" /etc/logrotate.d/ftps-backup
fi
reload_systemd
echo "ftps-backup $("$PREFIX/bin/ftps-backup" --version) installed in $PREFIX (unit: $UNIT, not enabled)."
echo "Next: ftps-backup init, then systemctl enable --now ftps-backup"
