# Sourced by every bench that scores calls with ../shared/tools/identity.sh. That script discards minimap2's errors,
# so without minimap2 every read would count as unmapped and a bench would report "no read maps": refuse instead.
command -v minimap2 >/dev/null || { echo "bench: minimap2 is not on PATH (Debian package minimap2); without it no read can be scored" >&2; exit 1; }
