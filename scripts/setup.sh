#!/usr/bin/env bash
# Installs everything ShopWatch needs on a fresh Debian machine: system packages
# (broker peer and CLI clients for tests, ffmpeg, an RTSP server, Chromium, test media),
# then the npm workspaces. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  mosquitto mosquitto-clients          # third-party MQTT client in tests, peer in benchmarks
  ffmpeg                               # camera ingest and evidence clips
  gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-tools
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav   # the demo/test RTSP camera
  chromium fonts-liberation            # browser tests
  opencv-doc                           # vtest.avi, CCTV-like test footage
  postgresql                           # store of record in cluster mode (15 on Debian 12); the
                                       # tests start their own throw-away server, not the packaged one
  haproxy                              # front door of cluster mode (2.6 on Debian 12); the cluster
                                       # tests start their own from deploy's generator, not the service
  redis-server                         # joins hub nodes in cluster mode (brokers, event bus); the
                                       # tests start their own in a temp dir on a free port
)

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  # With recommended packages, as tested (Chromium needs its fonts, GStreamer its plugins).
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi

echo "setup: npm ci"
ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
