#!/usr/bin/env bash
# Starts the app under a virtual X server and writes a screenshot of the whole screen.
#
#   tools/screenshot.sh OUT.png [REGION.json] [-- extra xdotool commands...]
#
# Needs Xvfb and ImageMagick (`apt-get install -y xvfb imagemagick xdotool`) and a release
# build (`cargo build --release`). The app starts with a fresh home directory, so no remembered
# region or view interferes; without REGION it opens the default sample. SIZE=WxH sets the
# screen (default 1280x800), WAIT=seconds the time given to start and draw (default 8).
# WM=openbox starts that window manager first: without one, nothing can make the window full
# screen (workshop mode) or maximise it (`apt-get install -y openbox`).
# Each argument after `--` is one xdotool command line, run in order before the screenshot
# (`type` takes the rest of its line as text, so it needs a line of its own), e.g.
#   tools/screenshot.sh zoomed.png -- "mousemove 640 400 click 4 click 4 sleep 1"
#   tools/screenshot.sh found.png -- "mousemove 220 11 click 1" "type Brewery" "sleep 1"
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:?usage: tools/screenshot.sh OUT.png [REGION.json] [-- xdotool commands]}
shift
region=()
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
    region=("$1")
    shift
fi
[ "${1:-}" = "--" ] && shift
size=${SIZE:-1280x800}
wait_s=${WAIT:-8}
bin=target/release/symbiomap
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 1; }
for tool in Xvfb import; do
    command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y xvfb imagemagick xdotool" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'kill "${app_pid:-}" "${wm_pid:-}" "${x_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -m700 -p "$work/xdg" "$work/home"

# Find a free display number.
display=99
while [ -e "/tmp/.X11-unix/X$display" ] || [ -e "/tmp/.X$display-lock" ]; do
    display=$((display + 1))
done
Xvfb ":$display" -screen 0 "${size}x24" -nolisten tcp >/dev/null 2>&1 &
x_pid=$!
sleep 1
if [ -n "${WM:-}" ]; then
    DISPLAY=":$display" HOME="$work/home" "$WM" >/dev/null 2>&1 &
    wm_pid=$!
    sleep 1
fi

DISPLAY=":$display" XDG_RUNTIME_DIR="$work/xdg" HOME="$work/home" \
    "$bin" "${region[@]}" >"$work/app.log" 2>&1 &
app_pid=$!
sleep "$wait_s"
if ! kill -0 "$app_pid" 2>/dev/null; then
    echo "the app exited early:" >&2
    cat "$work/app.log" >&2
    exit 1
fi
if [ $# -gt 0 ]; then
    # Without a window manager nothing gives the window keyboard focus: do it here.
    window=$(DISPLAY=":$display" xdotool search --name "Symbiomap" | head -1)
    [ -n "$window" ] && DISPLAY=":$display" xdotool windowfocus "$window"
    for step in "$@"; do
        # shellcheck disable=SC2086 # a step is several words on purpose
        DISPLAY=":$display" xdotool $step
        sleep 0.3
    done
    sleep 1
fi
DISPLAY=":$display" import -window root "$out"
echo "wrote $out"
