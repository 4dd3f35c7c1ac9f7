# One image for the hub and the edge agent (they share the workspace and the models).
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY . .
# postinstall builds the face models from their npm packages and the dashboard.
RUN npm ci --no-audit --no-fund
ENV SHOPWATCH_DATA_DIR=/data
EXPOSE 8080 1883
CMD ["npm", "run", "hub"]
