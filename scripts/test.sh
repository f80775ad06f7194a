#!/usr/bin/env bash
# Runs Khiên's whole test suite on a fresh machine: installs what is missing
# (PostgreSQL and nginx from Debian packages; nats-server from Debian or built from the
# Go module), starts a throwaway PostgreSQL cluster on loopback in a
# temporary folder, checks formatting and vet, runs `go test -race ./...`
# against SQLite and PostgreSQL with every integration test required, prints
# the tests that were skipped ("skipped: none"), and cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '== %s\n' "$*" >&2; }
tmp=$(mktemp -d /tmp/khien-test.XXXXXX)
chmod 755 "$tmp"
pgbin=""
cleanup() {
	if [ -n "$pgbin" ] && [ -f "$tmp/pg/postmaster.pid" ]; then
		runuser -u postgres -- "$pgbin/pg_ctl" -D "$tmp/pg" -m immediate stop >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

need_apt=()
find_pgbin() {
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && [ -x "$d/postgres" ] && { echo "$d"; return; }
	done
}
pgbin=$(find_pgbin || true)
[ -n "$pgbin" ] || need_apt+=(postgresql)
command -v nats-server >/dev/null || need_apt+=(nats-server)
# Headless Chromium drives the UI test (it skips, saying so, without it).
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# npm fetches axe-core for the accessibility walk of the UI.
command -v npm >/dev/null || need_apt+=(npm)
# Real nginx on loopback for the scanner's integration tests.
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need_apt+=(nginx)
# testssl.sh: the scanner's TLS findings are compared with its own.
command -v testssl >/dev/null || need_apt+=(testssl.sh)
# sslscan: a second peer for the protocols and DH group sizes.
command -v sslscan >/dev/null || need_apt+=(sslscan)
# Real syslog clients for the log receivers: logger, and rsyslogd
# forwarding over TCP and TLS (gtls driver).
command -v logger >/dev/null || need_apt+=(bsdutils)
command -v rsyslogd >/dev/null || [ -x /usr/sbin/rsyslogd ] || need_apt+=(rsyslog)
ls /usr/lib/*/rsyslog/lmnsd_gtls.so >/dev/null 2>&1 || need_apt+=(rsyslog-gnutls)
# pdftotext reads the PDF reports back (their Vietnamese text and pages).
command -v pdftotext >/dev/null || need_apt+=(poppler-utils)
if [ ${#need_apt[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	log "installing ${need_apt[*]}"
	apt-get update -qq >/dev/null 2>&1 || true
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null 2>&1 || log "apt-get could not install ${need_apt[*]}"
	# The nginx package may start its default site on port 80 of every
	# address; the scanner tests run their own nginx on 127.0.80.x:80.
	if [[ " ${need_apt[*]} " == *" nginx "* ]]; then
		(service nginx stop || /usr/sbin/nginx -s quit) >/dev/null 2>&1 || true
	fi
	# The tests run their own rsyslogd; the package's may not listen.
	if [[ " ${need_apt[*]} " == *" rsyslog "* ]]; then
		service rsyslog stop >/dev/null 2>&1 || true
	fi
	pgbin=$(find_pgbin || true)
fi

# NATS: the Debian package, else built from the module this repository uses.
if command -v nats-server >/dev/null; then
	export KHIEN_TEST_NATS_SERVER=$(command -v nats-server)
else
	log "building nats-server from the Go module"
	go build -o "$tmp/nats-server" github.com/nats-io/nats-server/v2
	export KHIEN_TEST_NATS_SERVER="$tmp/nats-server"
fi

[ -x /usr/sbin/nginx ] && export KHIEN_TEST_NGINX=/usr/sbin/nginx

# axe-core (the npm package, MPL-2.0), used as it is by the UI's
# accessibility walk: fetched once with npm pack into a cache, never
# vendored. A pinned version, so that a new rule does not fail old code.
axe_version=4.14.1
axe_cache="${XDG_CACHE_HOME:-$HOME/.cache}/khien/axe-core-$axe_version"
if [ -z "${KHIEN_TEST_AXE:-}" ]; then
	if [ ! -f "$axe_cache/package/axe.min.js" ] && command -v npm >/dev/null; then
		mkdir -p "$axe_cache"
		(cd "$axe_cache" && npm pack --silent "axe-core@$axe_version" >/dev/null 2>&1 && tar -xzf "axe-core-$axe_version.tgz") || log "npm could not fetch axe-core"
	fi
	[ -f "$axe_cache/package/axe.min.js" ] && export KHIEN_TEST_AXE="$axe_cache/package/axe.min.js"
fi

# PostgreSQL: a throwaway cluster on loopback, owned by the postgres user.
# PostgreSQL refuses to run as root: use its own account, made if missing.
if [ -n "$pgbin" ] && ! id postgres >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	useradd --system --no-create-home --shell /usr/sbin/nologin postgres || true
fi
if [ -n "$pgbin" ] && id postgres >/dev/null 2>&1; then
	port=$((20000 + RANDOM % 20000))
	log "starting PostgreSQL ($pgbin) on 127.0.0.1:$port"
	mkdir -p "$tmp/pg" "$tmp/pgsock"
	chown postgres "$tmp/pg" "$tmp/pgsock"
	runuser -u postgres -- "$pgbin/initdb" -D "$tmp/pg" -U khien --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
	runuser -u postgres -- "$pgbin/pg_ctl" -D "$tmp/pg" -l "$tmp/pgsock/pg.log" -w \
		-o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$tmp/pgsock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
	export KHIEN_TEST_POSTGRES="postgres://khien@127.0.0.1:$port/postgres?sslmode=disable"
else
	log "PostgreSQL is not available: store tests run on SQLite only"
fi

log "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt needed on:" >&2; echo "$unformatted" >&2; exit 1
fi
log "go vet"
go vet ./...
# Every integration test must run: a missing PostgreSQL, nginx, Chromium,
# testssl.sh, sslscan, nats-server or ../shared fails the run instead of skipping
# (KHIEN_TEST_REQUIRE= ./scripts/test.sh lets them skip, saying so).
export KHIEN_TEST_REQUIRE="${KHIEN_TEST_REQUIRE-all}"
log "go test -race ./... (PostgreSQL: ${KHIEN_TEST_POSTGRES:-off}, required: ${KHIEN_TEST_REQUIRE:-none})"
go build -o "$tmp/testreport" ./internal/testkit/testreport
go test -race -timeout 30m -json "$@" ./... | "$tmp/testreport"
log "all tests passed"
