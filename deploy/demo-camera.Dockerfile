# The demo store camera: GStreamer's RTSP server looping a clip (profile "demo").
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-gi gir1.2-gst-rtsp-server-1.0 \
    gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav \
 && rm -rf /var/lib/apt/lists/*
COPY scripts/demo/rtsp-server.py /usr/local/bin/rtsp-server.py
EXPOSE 8554
CMD ["python3", "/usr/local/bin/rtsp-server.py", "--port", "8554", "--mount", "boots-entrance=/media/demo.mp4"]
