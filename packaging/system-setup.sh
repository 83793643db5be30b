# Shared by the .deb's postinst and the tarball's install.sh (packaging/build.sh copies it into both):
# the service user and the folders the unit and `ftps-backup init` expect. Idempotent.
# Needs: ETC_DIR (normally /etc/ftps-backup).
ftps_backup_setup_system() {
  if ! getent passwd ftps-backup >/dev/null; then
    if command -v adduser >/dev/null 2>&1 && adduser --help 2>&1 | grep -q -- '--system'; then
      adduser --system --group --quiet --home /var/lib/ftps-backup --no-create-home \
        --gecos 'ftps-backup agent' ftps-backup
    else
      useradd --system --user-group --home-dir /var/lib/ftps-backup --no-create-home \
        --shell /usr/sbin/nologin --comment 'ftps-backup agent' ftps-backup
    fi
  fi
  # state (locks, run history), logs, spool: the agent's own, nobody else's
  for dir in /var/lib/ftps-backup /var/log/ftps-backup /var/cache/ftps-backup; do
    if [ ! -d "$dir" ]; then
      mkdir -p "$dir"
      chown ftps-backup:ftps-backup "$dir"
      chmod 0750 "$dir"
    fi
  done
  # configuration: root writes it, the service reads it; credentials belong to the service user only
  mkdir -p "$ETC_DIR/jobs"
  if [ ! -d "$ETC_DIR/credentials" ]; then
    mkdir -p "$ETC_DIR/credentials"
    chown ftps-backup:ftps-backup "$ETC_DIR/credentials"
    chmod 0700 "$ETC_DIR/credentials"
  fi
}
