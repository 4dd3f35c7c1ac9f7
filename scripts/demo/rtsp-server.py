#!/usr/bin/python3
"""A real RTSP camera for tests: serves H.264 files in an endless loop.

Usage: rtsp-server.py --port 8554 --mount cam1=/path/video.mp4 [--mount cam2=/path/b.mkv]

Each file is demuxed once into H.264 access units (byte-stream, SPS/PPS repeated before
every IDR) and kept in memory. Every RTSP client gets its own media whose appsrc is fed
those access units at the file's frame rate, wrapping around at the end, with timestamps
that keep increasing. Nothing is re-encoded, so what ffmpeg receives is the file's own
bitstream, like a camera's. Files must have no B-frames (cameras rarely use them): the
appsrc stamps PTS = DTS = arrival time.

Control on stdin, one word per line, to simulate a stalled camera without closing sockets:
  pause   stop sending frames (sessions stay open)
  resume  send frames again
Prints "READY <port>" on stdout once listening. Stop it with SIGTERM or SIGINT.
"""
import argparse
import signal
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

Gst.init(None)

paused = threading.Event()


def load_access_units(path):
    """Demux a container into a list of H.264 access units and the frame duration (ns)."""
    pipeline = Gst.parse_launch(
        f'filesrc location="{path}" ! parsebin ! h264parse config-interval=-1 '
        "! video/x-h264,stream-format=byte-stream,alignment=au "
        "! appsink name=sink sync=false emit-signals=false"
    )
    sink = pipeline.get_by_name("sink")
    pipeline.set_state(Gst.State.PLAYING)
    units, duration, caps = [], None, None
    while True:
        sample = sink.emit("pull-sample")
        if sample is None:
            break
        if caps is None:
            caps = sample.get_caps()
            ok, num, den = caps.get_structure(0).get_fraction("framerate")
            if ok and num > 0:
                duration = Gst.SECOND * den // num
        buf = sample.get_buffer()
        units.append(buf.extract_dup(0, buf.get_size()))
    pipeline.set_state(Gst.State.NULL)
    if not units:
        raise SystemExit(f"no H.264 video in {path}")
    return units, duration or Gst.SECOND // 10, caps


class LoopFactory(GstRtspServer.RTSPMediaFactory):
    def __init__(self, units, duration):
        super().__init__()
        self.units = units
        self.duration = duration
        self.set_shared(False)
        self.set_launch(
            "( appsrc name=src is-live=true do-timestamp=true format=time "
            "caps=video/x-h264,stream-format=byte-stream,alignment=au "
            "! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )"
        )
        self.connect("media-configure", self.on_configure)

    def on_configure(self, _factory, media):
        src = media.get_element().get_child_by_name("src")
        state = {"i": 0, "live": True}
        interval_ms = max(1, self.duration // Gst.MSECOND)

        def push():
            if not state["live"]:
                return False
            if paused.is_set():
                return True
            data = self.units[state["i"] % len(self.units)]
            state["i"] += 1
            buf = Gst.Buffer.new_wrapped(data)
            buf.duration = self.duration
            ret = src.emit("push-buffer", buf)
            if ret != Gst.FlowReturn.OK and ret != Gst.FlowReturn.FLUSHING:
                state["live"] = False
                return False
            return True

        def on_unprepared(_media):
            state["live"] = False

        media.connect("unprepared", on_unprepared)
        GLib.timeout_add(interval_ms, push)


def read_commands():
    for line in sys.stdin:
        word = line.strip()
        if word == "pause":
            paused.set()
        elif word == "resume":
            paused.clear()
        print(f"OK {word}", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mount", action="append", required=True, help="NAME=FILE")
    args = parser.parse_args()

    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    for spec in args.mount:
        name, _, path = spec.partition("=")
        units, duration = load_access_units(path)[:2]
        mounts.add_factory("/" + name, LoopFactory(units, duration))

    loop = GLib.MainLoop()
    if server.attach(None) == 0:
        raise SystemExit(f"cannot listen on port {args.port}")
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    threading.Thread(target=read_commands, daemon=True).start()
    print(f"READY {server.get_bound_port()}", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
