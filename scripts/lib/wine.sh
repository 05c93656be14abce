# Shared setup for the Wine tiers (sourced by scripts/test-windows-live; scripts/test-windows still
# carries its own copy of these lines). Defines:
#   step MSG        a timestamped progress line on stderr (uses $TIER and $t0)
#   die MSG         a FAIL line and exit 1
#   WINE WINESERVER CC    the tools, found or the tier fails loudly (never skips)
#   wine_shim DIR   builds bcryptprimitives.dll (ProcessPrng over RtlGenRandom: Rust >= 1.78 std
#                   needs it, Wine 8 lacks it) into DIR
#   wine_prefix DIR a fresh, booted WINEPREFIX in DIR (exported), killed and removed on exit
# shellcheck shell=bash
t0=${t0:-$(date +%s)}
TIER=${TIER:-wine}
step() {
  printf '%s: [%3ss] %s\n' "$TIER" "$(($(date +%s) - t0))" "$*" >&2
}
die() {
  printf '%s: FAIL: %s\n' "$TIER" "$*" >&2
  exit 1
}

WINE=$(command -v wine64 || true)
[ -n "$WINE" ] || { [ -x /usr/lib/wine/wine64 ] && WINE=/usr/lib/wine/wine64; } || true
[ -n "$WINE" ] && [ -x "$WINE" ] || die "wine64 not found (run scripts/setup: apt-get install wine64)"
WINESERVER=$(command -v wineserver || true)
[ -n "$WINESERVER" ] || { [ -x /usr/lib/wine/wineserver64 ] && WINESERVER=/usr/lib/wine/wineserver64; } || true
[ -n "$WINESERVER" ] || die "wineserver not found"
CC=x86_64-w64-mingw32-gcc
command -v "$CC" >/dev/null || die "$CC not found (run scripts/setup: apt-get install gcc-mingw-w64-x86-64)"
command -v python3 >/dev/null || die "python3 not found"

wine_shim() {
  local src
  src=$(mktemp --suffix=.c)
  cat >"$src" <<'C'
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) { return SystemFunction036(data, (ULONG)len); }
C
  "$CC" -O2 -shared -o "$1/bcryptprimitives.dll" "$src" -ladvapi32 || die "building the ProcessPrng shim"
  rm -f "$src"
}

wine_prefix() {
  export WINEPREFIX="$1" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d"
  "$WINE" wineboot -i >/dev/null 2>&1 || die "wineboot failed"
  "$WINESERVER" -w
  [ -d "$WINEPREFIX/drive_c/windows/system32" ] || die "the prefix has no C:\\windows\\system32"
}
