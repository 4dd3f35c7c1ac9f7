/** The camera and storage half of the ShopWatch edge agent. */
export { ConfigError, EdgeConfig, CameraConfig, loadConfig, parseConfig, formatPath } from './config';
export type { EdgeConfigInput, ConfigIssue, LoadConfigOptions } from './config';
export { ENV_PREFIX } from './config-env';
export { createLogger, setLogLevel } from './log';
export type { Logger } from './log';

export { buildFfmpegArgs, SEGMENT_NAME, segmentListPath } from './camera/ffmpeg-args';
export type { FfmpegArgsOptions } from './camera/ffmpeg-args';
export { FrameReader } from './camera/frame-reader';
export type { Frame } from './camera/frame-reader';
export { Watchdog, classifyExit } from './camera/watchdog';
export type { LocalCameraStatus, StatusListener } from './camera/watchdog';
export { Backoff } from './util/backoff';
export { Camera } from './camera/camera';
export type { CameraOptions } from './camera/camera';
export { startCameras, ringKeepSeconds } from './camera/cameras';
export type { CameraSet } from './camera/cameras';

export { SegmentRing } from './evidence/segment-ring';
export type { Segment, SegmentRingOptions } from './evidence/segment-ring';
export { cutClip, probeVideo, concatList, ClipError } from './evidence/clip';
export type { Clip, ClipRequest } from './evidence/clip';
export { sha256, sha256File } from './evidence/hash';
export { saveFrameJpeg, saveCropJpeg, encodeJpeg, expandBox } from './evidence/snapshot';
export type { SavedImage } from './evidence/snapshot';
export { EvidenceRecorder } from './evidence/recorder';
export type { EvidenceRecorderOptions, RecordResult } from './evidence/recorder';

export { SqliteSpool } from './spool/sqlite-spool';
export type { SqliteSpoolOptions } from './spool/sqlite-spool';
export { MemorySpool } from './spool/memory-spool';
export { startDelivery } from './spool/delivery';
export type { DeliveryLoopOptions } from './spool/delivery';
export { SpoolError, FILE_NAME } from './spool/types';
export type {
  Spool,
  SpoolItem,
  SpoolItemInput,
  SpoolFile,
  SpoolFileInput,
  SpoolUsage,
  SpoolStatus,
  SpoolLevel,
} from './spool/types';

export type { FrameSink, CandidateMatch, CandidateRequest, CandidateSink, Uplink } from './ports';
