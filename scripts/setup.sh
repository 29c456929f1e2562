#!/usr/bin/env bash
# Installs what the test suites need and is missing: runc, busybox-static and uidmap (the runc
# suite), chromium and node (the browser test), the wasm32 target and clippy/rustfmt,
# wasm-bindgen-cli at the wasm crate's pinned version, the web demo's npm packages.
# scripts/test-all.sh runs it first, so it checks before it installs and takes seconds when
# everything is there.
#
# With CI=true a step that fails is an error (exit 1): CI must run every suite. Otherwise a
# failed step prints a loud line and the rest goes on; the suite that needs the tool then
# reports SKIPPED.
set -uo pipefail # no -e: each step reports its own failure
cd "$(dirname "$0")/.."

in_ci() { [ "${CI:-}" = true ] || [ "${CI:-}" = 1 ]; }
failed=()
fail() {
  failed+=("$1")
  echo "!!!!!!!! setup: $1 !!!!!!!!" >&2
}
have() { command -v "$1" >/dev/null 2>&1; }

# --- system packages (Debian/Ubuntu names) -------------------------------------------------
need=()
have runc || need+=(runc)
[ -x /bin/busybox ] || need+=(busybox-static) # the runc suite copies this static binary into its rootfs
have newuidmap || need+=(uidmap)
have chromium || need+=(chromium)
have npm || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  as_root=()
  if [ "$(id -u)" -eq 0 ]; then
    as_root=(env)
  elif have sudo && sudo -n true 2>/dev/null; then
    as_root=(sudo -n env)
  fi
  if ! have apt-get; then
    fail "missing ${need[*]}: install them with your package manager (no apt-get here)"
  elif [ ${#as_root[@]} -eq 0 ]; then
    fail "missing ${need[*]}: needs root or passwordless sudo to run apt-get install -y ${need[*]}"
  else
    echo "setup: apt-get install ${need[*]}"
    "${as_root[@]}" DEBIAN_FRONTEND=noninteractive apt-get update -qq \
      && "${as_root[@]}" DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null \
      || fail "apt-get install ${need[*]} failed"
  fi
fi

# --- Rust: wasm32 target (wasm build, wasm parity), clippy and rustfmt (the checks) ---------
if have rustup; then
  rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
    || rustup target add wasm32-unknown-unknown >/dev/null \
    || fail "rustup target add wasm32-unknown-unknown failed"
  installed=$(rustup component list --installed 2>/dev/null)
  for c in clippy rustfmt; do
    grep -q "^$c" <<<"$installed" || rustup component add "$c" >/dev/null \
      || fail "rustup component add $c failed"
  done
else
  fail "rustup is missing: the wasm32 target cannot be added (https://rustup.rs)"
fi

# --- wasm-bindgen-cli: the CLI refuses any version but the crate's pin ---------------------
want=$(grep -oE 'wasm-bindgen = \{ version = "=[0-9.]+"' wasm/Cargo.toml | grep -oE '[0-9]+\.[0-9]+\.[0-9]+')
got=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')
if [ "$got" != "$want" ]; then
  echo "setup: cargo install wasm-bindgen-cli $want (have: ${got:-none}); a few minutes, once"
  # No --locked: with it a yanked transitive dependency fails the install.
  cargo install -q wasm-bindgen-cli --version "$want" || fail "cargo install wasm-bindgen-cli $want failed"
fi

# --- the web demo's npm packages (playwright-core, binaryen's wasm-opt) ---------------------
# npm writes node_modules/.package-lock.json on every install; newer than the lock file means
# the install matches it. `npm ci` would wipe and reinstall every time.
stamp=web-demo/node_modules/.package-lock.json
if ! [ "$stamp" -nt web-demo/package-lock.json ] || ! [ "$stamp" -nt web-demo/package.json ]; then
  if have npm; then
    echo "setup: npm ci in web-demo"
    (cd web-demo && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci in web-demo failed"
  else
    fail "npm is missing: the web demo's packages cannot be installed"
  fi
fi

# --- the rootless suite's unprivileged user (host-native/tests/rootless.rs) ----------------
# The suite runs as root and drops to this user; Debian's useradd gives a new user 65536-id
# ranges in /etc/subuid and /etc/subgid, which the rootless id maps need.
rl_user=${OCIGEN_ROOTLESS_USER:-ocigen-rootless}
if ! id -u "$rl_user" >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "setup: useradd -m $rl_user (the rootless suite's user)"
    useradd -m "$rl_user" || fail "useradd -m $rl_user failed"
  else
    fail "user $rl_user is missing: the rootless suite needs root to create it (useradd -m $rl_user)"
  fi
fi
if id -u "$rl_user" >/dev/null 2>&1; then
  for f in /etc/subuid /etc/subgid; do
    if ! grep -q "^$rl_user:" "$f" 2>/dev/null; then
      if [ "$(id -u)" -eq 0 ] && have usermod; then
        # No range from useradd (an older shadow-utils or SUB_UID_COUNT=0): add one past the rest.
        start=$(awk -F: 'BEGIN{m=100000} {e=$2+$3; if (e>m) m=e} END{print m}' "$f" 2>/dev/null)
        flag=--add-subuids; [ "$f" = /etc/subgid ] && flag=--add-subgids
        usermod "$flag" "$start-$((start + 65535))" "$rl_user" || fail "usermod $flag for $rl_user failed"
      else
        fail "$rl_user has no range in $f"
      fi
    fi
  done
fi

# --- what the suites will look for, checked again after the installs ------------------------
missing=()
have runc || missing+=(runc)
[ -x /bin/busybox ] || missing+=(/bin/busybox)
have newuidmap || missing+=(newuidmap)
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || missing+=("${CHROMIUM:-/usr/bin/chromium}")
have node || missing+=(node)
[ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" = "$want" ] || missing+=("wasm-bindgen $want")
[ -d web-demo/node_modules/playwright-core ] || missing+=(web-demo/node_modules/playwright-core)
[ ${#missing[@]} -eq 0 ] || fail "still missing after setup: ${missing[*]}"

if [ ${#failed[@]} -gt 0 ]; then
  if in_ci; then
    echo "setup: FAILED with CI=true (${#failed[@]} step(s) above); every suite must run in CI" >&2
    exit 1
  fi
  echo "!!!!!!!! setup: ${#failed[@]} step(s) failed; the suites that need them will be SKIPPED !!!!!!!!" >&2
  exit 0
fi
echo "setup: ok (runc, busybox, uidmap, rootless user $rl_user, chromium, node, wasm32 target, wasm-bindgen $want, npm packages)"
