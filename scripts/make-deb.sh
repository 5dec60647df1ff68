#!/usr/bin/env bash
# Builds the cxbridge Debian package from a built binary: `make package` runs it.
#   scripts/make-deb.sh BUILD_DIR OUT_DIR   → OUT_DIR/cxbridge_<version>_<arch>.deb (path printed)
# The binary (its console assets are embedded), the hardened systemd unit, a commented
# /etc/cxbridge/cxbridge.yaml (a conffile), the maintainer scripts and the docs. Depends are the
# Debian packages that ship the shared libraries the binary links (found with ldd and dpkg -S).
set -euo pipefail
build=$(cd "$1" && pwd)
out=$(mkdir -p "$2" && cd "$2" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
bin="$build/cxbridge"
[ -x "$bin" ] || { echo "make-deb: no binary at $bin (build first)" >&2; exit 2; }

# 0.1.0 (git 0123456789ab) → 0.1.0+git0123456789ab; "-dirty" and "unknown" are kept visible.
line=$("$bin" --version)
version=$(sed -E 's/^cxbridge ([0-9.]+) \(git ([^)]*)\)$/\1+git\2/; s/-dirty$/.dirty/; s/\+gitunknown$//' <<<"$line")
arch=$(dpkg --print-architecture)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/cxbridge"
install -d "$root/DEBIAN" "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/cxbridge" \
  "$root/usr/share/doc/cxbridge/examples"
install -m 0755 "$bin" "$root/usr/bin/cxbridge"
strip --strip-unneeded "$root/usr/bin/cxbridge" 2>/dev/null || true
install -m 0644 "$src/packaging/deb/cxbridge.service" "$root/lib/systemd/system/cxbridge.service"
install -m 0644 "$src/packaging/deb/cxbridge.yaml" "$root/etc/cxbridge/cxbridge.yaml"
install -m 0644 "$src/README.md" "$src/docs/configuration.md" "$src/docs/security.md" "$root/usr/share/doc/cxbridge/"
install -m 0644 "$src"/examples/*.yaml "$root/usr/share/doc/cxbridge/examples/"
for s in postinst prerm postrm; do install -m 0755 "$src/packaging/deb/$s" "$root/DEBIAN/$s"; done
echo /etc/cxbridge/cxbridge.yaml > "$root/DEBIAN/conffiles"

# The packages that provide the linked shared libraries (libc6, librocksdb7.8, libcurl4, ...).
deps=$(ldd "$bin" | awk '/=> \//{print $3}' | while read -r lib; do
  real=$(readlink -f "$lib")
  dpkg -S "$lib" 2>/dev/null || dpkg -S "$real" 2>/dev/null || true
done | cut -d: -f1 | sort -u | paste -sd, | sed 's/,/, /g')
[ -n "$deps" ] || { echo "make-deb: could not resolve the binary's library packages" >&2; exit 2; }
size=$(du -sk "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: cxbridge
Version: $version
Architecture: $arch
Maintainer: cxbridge maintainers <cxbridge@localhost>
Installed-Size: $size
Depends: $deps, adduser | passwd
Section: net
Priority: optional
Homepage: file:///usr/share/doc/cxbridge/README.md
Description: self-hosted event gateway for contact-center events
 cxbridge receives Genesys Cloud CX events (signed webhooks, notification channels, the
 EventBridge PutEvents API), stores them durably before it acknowledges, drops duplicates,
 routes them with EventBridge's event patterns and delivers them to targets with retries,
 dead-letter queues, archives and replay. One binary with embedded storage and a web console.
CONTROL
deb="$out/cxbridge_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" >/dev/null
echo "$deb"
