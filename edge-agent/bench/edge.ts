/**
 * `npm run bench:edge`: the edge agent end to end on this box, as a child process measured from
 * /proc, against a real hub (in this process) and a real RTSP server (GStreamer, also here).
 *
 * For each reference scene of issue 15 (edge-agent/bench/scenes.ts: a busy street and a store
 * entrance empty 80 % of the time, the enrolled subject passing at 60 and 40 px among other
 * people) and N = 1, 2, 4, 6, 8, 12 cameras (768x576 H.264 at 10 fps, decoded at 5 fps, a
 * gallery of one subject) it runs the agent for BENCH_SECONDS and reports:
 *  - frames analysed per CPU-second: frames looked at (by the motion gate alone when nothing
 *    moved, or by the face detector too) / CPU of the agent (all threads) + its ffmpeg children;
 *  - whether N is sustained: agent + ffmpeg under 80 % of the box's cores, frames analysed at
 *    least 90 % of 5 fps x N, and at most 1 % skipped for want of inference;
 *  - recall of the subject's passes per face band and false candidates per camera-hour;
 *  - capture -> candidate stored in the hub (p50, p95), corrected by clockOffsetMs.
 * The hub and the RTSP server share the box; their CPU is reported beside, not counted; the load
 * average is recorded with each step (other jobs share this box). A scene stops at the first
 * camera count not sustained after one retry. The figures of the last committed run are kept
 * beside the new ones (`previous`).
 *
 * Two ways the cameras start their scene (BENCH_START, default both):
 *  - `sync`: every camera at t = 0, so all subjects pass at the same instant — the worst case, a
 *    burst on every camera at once (the headline `scenes.*.camerasSustained`);
 *  - `stagger`: camera i of N at i x 40 s / N (whole seconds), as a store's cameras see one person
 *    at different moments (`scenes.*.staggered`). It starts at the count `sync` sustained.
 *
 *   node --import tsx edge-agent/bench/edge.ts
 *   env: BENCH_SECONDS (40, one scene cycle), BENCH_STEPS (1,2,4,6,8,12), BENCH_SCENES (busy,entrance),
 *        BENCH_START (both: sync, then stagger; or sync / stagger alone), BENCH_COOLDOWN_SECONDS (5),
 *        BENCH_ALL_STEPS (0: stop a scene at the first count not sustained),
 *        BENCH_AGENT_NODE_ARGS (extra node flags for the agent, e.g. --cpu-prof), BENCH_LOG_LEVEL (warn)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ReviewCandidate } from '@shopwatch/protocols';
import { machine } from '../../hub/bench/lib/proc';
import { percentile, round } from '../../hub/bench/lib/stats';
import { login, startTestHub, tempDir } from '../../hub/test/support/hub';
import type { MatcherStats } from '../src/matching/matcher';
import { facePhoto } from '../../scripts/demo/media';
import { startRtspServer } from '../test/support/rtsp-server';
import { camerasByAgentCpu, cameraBound } from './lib/bounds';
import { boxCpu, childrenOf, cpuOf, reapedChildrenSeconds, threadsOf } from './lib/procs';
import { buildScene, CYCLE_SECONDS, LANE_SPLIT_Y, rotatedScene, type SceneName, staggerOffset } from './scenes';

const ROOT = path.resolve(import.meta.dirname, '../..');
// One scene cycle: every camera shows each pass once in the window, whatever its phase (all RTSP
// sessions start at t=0 of the scene, so a shorter window would see the same passes on all).
const SECONDS = Number(process.env.BENCH_SECONDS ?? CYCLE_SECONDS);
/** Camera counts tried per scene, in order; a scene stops at the first count not sustained (after a retry). */
const STEPS = (process.env.BENCH_STEPS ?? '1,2,4,6,8,12').split(',').map(Number);
const MAX_CAMERAS = Math.max(...STEPS);
const SCENES = (process.env.BENCH_SCENES ?? 'busy,entrance').split(',') as SceneName[];
type Start = 'sync' | 'stagger';
const WORST_CASE = ' (every camera starts its scene at t = 0: all subjects pass at the same instant, the worst case)';
const STARTS: Start[] =
  process.env.BENCH_START === 'sync' || process.env.BENCH_START === 'stagger'
    ? [process.env.BENCH_START]
    : ['sync', 'stagger'];
/** The RTSP mount camera `i` of `n` reads: its own copy of the scene, from its start offset. */
const mountOf = (scene: SceneName, start: Start, i: number, n: number) =>
  start === 'sync' ? `${scene}${i}` : `${scene}-from${staggerOffset(i, n)}`;
/** Frames skipped for want of inference allowed in a sustained step (shared box: a little noise). */
const DROP_LIMIT = 0.01;
/** Run every step even after one is not sustained (to see where the CPU goes as cameras are added). */
const ALL_STEPS = process.env.BENCH_ALL_STEPS === '1';
const COOLDOWN_SECONDS = Number(process.env.BENCH_COOLDOWN_SECONDS ?? 5);
const DETECT_FPS = 5;
const RETRY_BUDGET_MS = Number(process.env.BENCH_RETRY_BUDGET_SECONDS ?? 150) * 1000;
const CORES = os.cpus().length;
const CPU_LIMIT = 0.8; // of all cores
const ANCHOR = { frigateCpuDetectorFramesPerSecondPerCore: 14, frigateEventToFaceRecognitionMedianMs: 8300 };
const GOAL = { framesPerCpuSecond: 60, captureToQueueP95Ms: 1500 };

const log = (...a: unknown[]) => console.error('[bench:edge]', ...a);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Step {
  scene: SceneName;
  /** How the cameras started their scene: all at t = 0 (`sync`), or camera i at i x cycle / N. */
  start: Start;
  cameras: number;
  loadAverage1m: number;
  /** Candidates on the subject's lane by face band, on the others' lane, and subject passes shown. */
  passes: { subject60: number; subject40: number; falseCandidates: number; expectedPerBand: number };
  /** Every candidate of the window: camera, face box, seconds after the window opened. */
  candidateBoxes: { cameraId: string; box: { x: number; y: number; w: number; h: number }; atS: number }[];
  framesStatic: number;
  detectorRuns: number;
  /** Chips the descriptor network ran on, and faces too small to describe (issue 15: no work for them). */
  chipsDescribed: number;
  facesTooSmall: number;
  seconds: number;
  framesAnalysed: number;
  framesExpected: number;
  framesDropped: number;
  /** Of those, frames skipped because they waited past their deadline (1 s after capture). */
  framesLate: number;
  /** 95th percentile of the frames' wait for an inference slot at the end of the step, ms. */
  queueWaitP95Ms: number;
  /** Full-resolution stills taken and skipped for want of time (a candidate then has the detect frame). */
  stills: { started: number; skipped: number };
  faces: number;
  candidates: number;
  attempt: number;
  cores: {
    agentNode: number;
    /** The agent's main thread alone (frame reader, motion gate, matching, uplink). */
    agentMainThread: number;
    /** The agent's other threads: inference workers, V8 GC helpers, libuv pool. */
    agentOtherThreads: number;
    /** Each camera ffmpeg (decode + segment muxer), highest first. */
    perCameraFfmpeg: number[];
    cameraFfmpeg: number;
    exitedChildren: number;
    agentTotal: number;
    hubAndDriver: number;
    rtspServer: number;
    otherProcesses: number;
    boxBusy: number;
    steal: number;
  };
  agentShareOfBox: number;
  framesPerCpuSecond: number;
  framesPerNodeCpuSecond: number;
  /**
   * The same without the evidence jobs (stills, clips: 'exitedChildren'), whose cost follows the
   * candidates, not the frames: the bench's subject passes every 20 s per camera, a store rarely.
   */
  framesPerCpuSecondBeforeEvidence: number;
  /** CPU-seconds of evidence jobs per candidate captured in the window. */
  evidenceCpuSecondsPerCandidate: number | null;
  /** Wall-clock share of the window the matcher spent analysing (1 = its one queue never idle). */
  matcherBusy: number;
  cameraFfmpegRestarts: number;
  captureToQueueMs: number[];
  sustained: boolean;
  why: string[];
}

const children = new Set<ChildProcess>();
const strayPids = new Set<number>();

function cleanup() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const pid of strayPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.once('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));

async function main() {
  const loadAtStart = os.loadavg().map((x) => round(x));
  log('building the scene videos (cached after the first run)');
  const scenes = await Promise.all(SCENES.map((name) => buildScene(name)));
  const mounts: Record<string, string> = {};
  for (const sc of scenes) {
    if (STARTS.includes('sync')) for (let i = 0; i < MAX_CAMERAS; i++) mounts[mountOf(sc.name, 'sync', i, 1)] = sc.file;
    if (!STARTS.includes('stagger')) continue;
    for (const n of STEPS)
      for (let i = 0; i < n; i++)
        mounts[mountOf(sc.name, 'stagger', i, n)] = await rotatedScene(sc, staggerOffset(i, n));
  }
  const previous = readPrevious();
  const work = tempDir('shopwatch-edge-bench-');
  fs.mkdirSync(path.join(work, 'hub'));
  const [hub, rtsp] = await Promise.all([
    startTestHub({ dataDir: path.join(work, 'hub') }),
    startRtspServer({ mounts }),
  ]);
  const rtspPid = childrenOf(process.pid).find((p) => p.cmdline.includes('rtsp-server.py'))?.pid;
  const steps: Step[] = [];
  try {
    const [coord, op] = await Promise.all([
      login(hub.http, 'coord', 'coord-password'),
      login(hub.http, 'operator', 'operator-password'),
    ]);
    const call = async <T>(method: string, p: string, token: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${hub.http}${p}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': Buffer.isBuffer(body) ? 'image/png' : 'application/json',
        },
        body:
          body === undefined ? undefined : Buffer.isBuffer(body) ? (body as unknown as BodyInit) : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    // The gallery: one subject, enrolled through the hub's API from the face photo in the video.
    const inc = await call<{ id: string }>('POST', '/api/incidents', coord, {
      type: 'theft',
      occurredAt: new Date().toISOString(),
      store: 'boots',
      description: 'Theft of razor blades',
      statement: 'I watched him put razor blades in his coat and leave without paying.',
    });
    const subject = await call<{ id: string }>('POST', '/api/gallery/subjects', coord, {
      alias: 'Razor Man',
      status: 'known',
      reason: 'repeat-offending',
      incidentIds: [inc.id],
      under18: false,
      vulnerable: false,
    });
    await call<unknown>(
      'POST',
      `/api/gallery/subjects/${subject.id}/photos?source=test`,
      coord,
      fs.readFileSync(await facePhoto()),
    );

    const seen = new Map<string, ReviewCandidate>();
    const poll = async () => {
      // Newest first: the queue answers 200 at most, and a whole run makes more than that (oldest
      // first, the last steps' candidates were cut off and counted as missed passes).
      for (const c of await call<ReviewCandidate[]>('GET', '/api/review?status=all&order=newest', op))
        if (!seen.has(c.id)) seen.set(c.id, c);
    };

    // Every camera count is run; one that misses is tried once more while the time budget
    // lasts, because the box is shared and other processes' CPU shows up as dropped frames.
    for (const scene of SCENES)
      for (const start of STARTS) {
        const started = Date.now();
        // Staggered: from the count the synchronised start sustained (fewer cameras are easier still).
        const syncOk = steps
          .filter((s) => s.scene === scene && s.start === 'sync' && s.sustained)
          .map((s) => s.cameras);
        const from = start === 'stagger' && syncOk.length ? Math.max(...syncOk) : 0;
        for (const n of STEPS.filter((c) => c >= from)) {
          let sustained = false;
          for (let attempt = 1; attempt <= 2; attempt++) {
            const dir = path.join(work, `${scene}-${start}-n${n}-${attempt}`);
            const step = await runStep(scene, start, n, attempt, dir, {
              hub,
              rtspUrl: (id) => rtsp.url(id),
              rtspPid,
              poll,
              seen,
            });
            steps.push(step);
            log(
              `${scene} (${start}), ${n} camera(s)${attempt > 1 ? ` (attempt ${attempt})` : ''}: ` +
                `${step.framesAnalysed}/${step.framesExpected} frames (${step.framesStatic} static), ` +
                `${step.framesDropped} dropped (${step.framesLate} late), queue wait p95 ${step.queueWaitP95Ms} ms, ` +
                `stills ${step.stills.started}/${step.stills.started + step.stills.skipped}, ` +
                `${step.detectorRuns} detector runs, ${step.faces} faces ` +
                `(${step.facesTooSmall} too small), ${step.chipsDescribed} chips described, agent ` +
                `${pct(step.agentShareOfBox)} of the box (main thread ${step.cores.agentMainThread}, other threads ` +
                `${step.cores.agentOtherThreads}, ffmpeg ${step.cores.perCameraFfmpeg.join('/')} cores; ` +
                `box ${pct(step.cores.boxBusy / CORES)} busy, load ` +
                `${step.loadAverage1m}), ${step.framesPerCpuSecond} frames/CPU-s, subject ` +
                `${step.passes.subject60}+${step.passes.subject40} of ` +
                `${step.passes.expectedPerBand}+${step.passes.expectedPerBand}, false ` +
                `${step.passes.falseCandidates}${step.sustained ? '' : ` — not sustained: ${step.why.join('; ')}`}`,
            );
            sustained = step.sustained;
            if (sustained || Date.now() - started > RETRY_BUDGET_MS) break;
          }
          // more cameras would not be sustained either (BENCH_ALL_STEPS=1 measures them all anyway)
          if (!sustained && !ALL_STEPS) break;
        }
      }
  } finally {
    cleanup();
    await rtsp.close();
    await hub.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  report(steps, loadAtStart, previous);
}

/** The figures of the last committed run, to print the new ones beside them. */
function readPrevious(): unknown {
  try {
    const old = JSON.parse(fs.readFileSync(path.join(ROOT, 'bench', 'results', 'edge.json'), 'utf8'));
    return old.previous && !old.summary ? old.previous : { date: old.date, summary: old.summary ?? old.scenes };
  } catch {
    return null;
  }
}

interface StepContext {
  hub: { http: string; mqttPort: number };
  rtspUrl: (mount: string) => string;
  rtspPid: number | undefined;
  poll: () => Promise<void>;
  seen: Map<string, ReviewCandidate>;
}

async function runStep(
  scene: SceneName,
  start: Start,
  n: number,
  attempt: number,
  dir: string,
  ctx: StepContext,
): Promise<Step> {
  fs.mkdirSync(dir, { recursive: true });
  const configFile = path.join(dir, 'edge.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify(
      {
        hub: { mqttUrl: `mqtt://127.0.0.1:${ctx.hub.mqttPort}`, httpUrl: ctx.hub.http },
        device: { id: 'edge-boots', secret: 'edge-boots-secret-for-tests', scheme: 'town' },
        cameras: Array.from({ length: n }, (_, i) => ({
          id: `cam-${i}`,
          name: `Camera ${i}`,
          url: ctx.rtspUrl(mountOf(scene, start, i, n)),
          detectFps: DETECT_FPS,
          detectSize: { width: 768, height: 576 },
        })),
        thresholds: { frames: 3, windowSeconds: 3 },
        spool: { dir: path.join(dir, 'spool'), quotaBytes: '500MB' },
        // The buffer must be memory-backed (the agent checks): /dev/shm, like a real box.
        evidence: {
          preRollSeconds: 2,
          postRollSeconds: 4,
          segmentSeconds: 1,
          bufferDir: `/dev/shm/shopwatch-bench-${path.basename(dir)}-${process.pid}`,
        },
        // BENCH_LOG_LEVEL=info shows each candidate's latency by stage ('candidate spooled').
        logLevel: process.env.BENCH_LOG_LEVEL ?? 'warn',
      },
      null,
      2,
    ),
  );

  const child = spawn(
    process.execPath,
    [
      // e.g. BENCH_AGENT_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" to profile the agent (and its workers)
      ...(process.env.BENCH_AGENT_NODE_ARGS ?? '').split(' ').filter(Boolean),
      '--import',
      'tsx',
      path.join(import.meta.dirname, 'agent-child.ts'),
      '--config',
      configFile,
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, SHOPWATCH_BENCH_COOLDOWN_SECONDS: String(COOLDOWN_SECONDS) },
    },
  );
  children.add(child);
  const agentPid = child.pid!;
  type Stills = { started: number; skipped: number };
  const latest: { stats: MatcherStats | null; templates: number; stills: Stills } = {
    stats: null,
    templates: 0,
    stills: { started: 0, skipped: 0 },
  };
  child.on('message', (m: { type?: string; matcher?: MatcherStats; templates?: number; stills?: Stills } | null) => {
    if (m?.type === 'stats') Object.assign(latest, { stats: m.matcher, templates: m.templates, stills: m.stills });
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const trackKids = () =>
    childrenOf(agentPid).forEach((p) => {
      strayPids.add(p.pid);
    });

  try {
    // Warm-up: models loaded, gallery synced, every camera decoding, then 3 s more.
    const deadline = Date.now() + 60_000;
    while (!(latest.stats && latest.templates > 0 && latest.stats.framesAnalysed > n)) {
      if (child.exitCode !== null) throw new Error(`the agent exited (${child.exitCode}) during warm-up`);
      if (Date.now() > deadline) throw new Error('the agent did not start analysing frames within 60 s');
      await sleep(250);
    }
    trackKids();
    await sleep(3000);

    const kids0 = new Map(childrenOf(agentPid).map((p) => [p.pid, p]));
    const s0 = { ...latest.stats! };
    const stills0 = { ...latest.stills };
    const threads0 = threadsOf(agentPid);
    const agent0 = cpuOf(agentPid)!,
      reaped0 = reapedChildrenSeconds(agentPid),
      hub0 = process.cpuUsage(),
      rtsp0 = ctx.rtspPid ? (cpuOf(ctx.rtspPid) ?? 0) : 0;
    const box0 = boxCpu();
    const t0 = Date.now();
    kids0.forEach((p) => {
      strayPids.add(p.pid);
    });
    while (Date.now() - t0 < SECONDS * 1000) {
      await sleep(1000);
      trackKids();
      await ctx.poll();
    }
    const wall = (Date.now() - t0) / 1000;
    const t1 = Date.now();
    const box1 = boxCpu();
    const kids1 = childrenOf(agentPid);
    const s1 = { ...latest.stats! };
    const stills1 = { ...latest.stills };
    const threads1 = threadsOf(agentPid);
    const agent1 = cpuOf(agentPid)!,
      reaped1 = reapedChildrenSeconds(agentPid),
      hub1 = process.cpuUsage(hub0),
      rtsp1 = ctx.rtspPid ? (cpuOf(ctx.rtspPid) ?? 0) : 0;

    // Children alive at the end: their CPU since the start (or since birth); children that
    // exited meanwhile: counted from the agent's cutime/cstime.
    let cameraFfmpeg = 0,
      otherLive = 0,
      restarts = 0;
    const perCamera: number[] = [];
    for (const k of kids1) {
      const before = kids0.get(k.pid)?.cpuSeconds ?? 0;
      // The tool host's jobs (stills, clips) are reaped by the host: their CPU is in its cutime.
      otherLive += k.reapedSeconds - (kids0.get(k.pid)?.reapedSeconds ?? 0);
      const isCamera = k.cmdline.includes('pipe:1');
      if (isCamera && !kids0.has(k.pid)) restarts++;
      if (isCamera) cameraFfmpeg += k.cpuSeconds - before;
      if (isCamera) perCamera.push(k.cpuSeconds - before);
      else otherLive += k.cpuSeconds - before;
    }
    const exitedChildren = reaped1 - reaped0 + otherLive;
    const agentNode = agent1 - agent0;
    const mainThread = (threads1.get(agentPid) ?? 0) - (threads0.get(agentPid) ?? 0);
    const agentTotal = agentNode + cameraFfmpeg + exitedChildren;
    const hubCpu = (hub1.user + hub1.system) / 1e6;
    const boxBusy = box1.busy - box0.busy;

    // Candidates captured inside the window; give the last ones a few seconds to arrive.
    await sleep(3000);
    await ctx.poll();
    const inWindow = [...ctx.seen.values()].filter(
      (c) => Date.parse(c.capturedAt) >= t0 && Date.parse(c.capturedAt) < t1,
    );
    const latencies = inWindow.map((c) => Date.parse(c.receivedAt) - (Date.parse(c.capturedAt) - c.clockOffsetMs));
    // Lower lane = the subject (band by the face box width), upper lane = other people.
    const onSubjectLane = inWindow.filter((c) => c.box.y + c.box.h / 2 >= LANE_SPLIT_Y);
    const passes = {
      subject60: onSubjectLane.filter((c) => c.box.w >= 50).length,
      subject40: onSubjectLane.filter((c) => c.box.w < 50).length,
      falseCandidates: inWindow.length - onSubjectLane.length,
      // Each camera shows one subject pass per band every CYCLE_SECONDS (a window is one cycle).
      expectedPerBand: round((n * wall) / CYCLE_SECONDS, 2),
    };

    const framesAnalysed = s1.framesAnalysed - s0.framesAnalysed;
    const framesExpected = Math.round(DETECT_FPS * n * wall);
    const framesDropped = s1.framesDropped - s0.framesDropped;
    const agentShareOfBox = agentTotal / wall / CORES;
    const why: string[] = [];
    if (agentShareOfBox > CPU_LIMIT) why.push(`agent + ffmpeg at ${pct(agentShareOfBox)} of ${CORES} cores`);
    if (framesAnalysed < 0.9 * framesExpected) why.push(`${framesAnalysed} of ${framesExpected} frames analysed`);
    if (framesDropped > DROP_LIMIT * framesExpected) why.push(`${framesDropped} frames skipped (saturated)`);
    const others = Math.max(0, boxBusy - agentTotal - hubCpu - (rtsp1 - rtsp0)) / wall;
    if (why.length && others > 0.25) why.push(`other processes used ${others.toFixed(2)} cores meanwhile`);
    return {
      scene,
      start,
      cameras: n,
      attempt,
      loadAverage1m: round(os.loadavg()[0]!),
      passes,
      seconds: round(wall, 1),
      framesAnalysed,
      framesExpected,
      framesDropped,
      framesLate: (s1.framesLate ?? 0) - (s0.framesLate ?? 0),
      queueWaitP95Ms: s1.queueWaitP95Ms ?? 0,
      stills: { started: stills1.started - stills0.started, skipped: stills1.skipped - stills0.skipped },
      framesStatic: s1.framesStatic - s0.framesStatic,
      detectorRuns: s1.detectorRuns - s0.detectorRuns,
      chipsDescribed: s1.chipsDescribed - s0.chipsDescribed,
      facesTooSmall: s1.facesTooSmall - s0.facesTooSmall,
      candidateBoxes: inWindow.map((c) => ({
        cameraId: c.cameraId,
        box: c.box,
        atS: round((Date.parse(c.capturedAt) - c.clockOffsetMs - t0) / 1000, 1),
      })),
      faces: s1.faces - s0.faces,
      candidates: latencies.length,
      cores: {
        agentNode: round(agentNode / wall, 3),
        agentMainThread: round(mainThread / wall, 3),
        agentOtherThreads: round((agentNode - mainThread) / wall, 3),
        perCameraFfmpeg: perCamera.sort((a, b) => b - a).map((c) => round(c / wall, 3)),
        cameraFfmpeg: round(cameraFfmpeg / wall, 3),
        exitedChildren: round(exitedChildren / wall, 3),
        agentTotal: round(agentTotal / wall, 3),
        hubAndDriver: round(hubCpu / wall, 3),
        rtspServer: round((rtsp1 - rtsp0) / wall, 3),
        // everything else on the box: other people's processes compete for the same cores
        otherProcesses: round(others, 3),
        boxBusy: round(boxBusy / wall, 3),
        steal: round((box1.steal - box0.steal) / wall, 3),
      },
      agentShareOfBox: round(agentShareOfBox, 3),
      framesPerCpuSecond: round(framesAnalysed / agentTotal, 1),
      framesPerNodeCpuSecond: round(framesAnalysed / agentNode, 1),
      framesPerCpuSecondBeforeEvidence: round(framesAnalysed / (agentTotal - exitedChildren), 1),
      evidenceCpuSecondsPerCandidate: latencies.length ? round(exitedChildren / latencies.length, 3) : null,
      matcherBusy: round((s1.busyMs - s0.busyMs) / 1000 / wall, 2),
      cameraFfmpegRestarts: restarts,
      captureToQueueMs: latencies.sort((a, b) => a - b),
      sustained: why.length === 0,
      why,
    };
  } finally {
    trackKids();
    if (child.exitCode === null) child.send('stop');
    const killed = await Promise.race([exited.then(() => false), sleep(15_000).then(() => true)]);
    if (killed) child.kill('SIGKILL');
    await exited;
    children.delete(child);
    // ffmpeg children the agent stopped are gone; kill any it left behind.
    for (const pid of strayPids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    strayPids.clear();
  }
}

const pct = (x: number) => `${(x * 100).toFixed(0)} %`;

/** One scene's figures: cameras sustained, frames per CPU-second, recall by band, false candidates. */
function sceneSummary(steps: Step[]) {
  const ok = steps.filter((s) => s.sustained);
  const camerasSustained = Math.max(0, ...ok.map((s) => s.cameras));
  const at1 = steps.find((s) => s.cameras === 1 && s.sustained) ?? steps[0]!;
  const head = ok.find((s) => s.cameras === camerasSustained) ?? at1;
  const sum = (xs: Step[], f: (s: Step) => number) => xs.reduce((t, s) => t + f(s), 0);
  const expected = sum(ok, (s) => s.passes.expectedPerBand);
  const cameraHours = sum(steps, (s) => (s.cameras * s.seconds) / 3600);
  const lat = ok.flatMap((s) => s.captureToQueueMs).sort((a, b) => a - b);
  return {
    camerasSustained,
    // What ended the count on this (shared) box, and what the agent's own cost would allow.
    bound: cameraBound(steps, CORES, CPU_LIMIT),
    camerasByAgentCpu: camerasByAgentCpu(steps, CORES, CPU_LIMIT),
    otherProcessesCores: steps.map((s) => s.cores.otherProcesses),
    framesPerCpuSecondAt1Camera: at1.framesPerCpuSecond,
    framesPerCpuSecondAtSustained: head.framesPerCpuSecond,
    framesPerCpuSecondBeforeEvidenceAtSustained: head.framesPerCpuSecondBeforeEvidence,
    staticShareAtSustained: round(head.framesStatic / Math.max(1, head.framesAnalysed), 3),
    detectorRunsPerFrameAtSustained: round(head.detectorRuns / Math.max(1, head.framesAnalysed), 2),
    recall: {
      $comment:
        'subject candidates on the lower lane / subject passes shown (cameras x seconds / cycle), sustained steps',
      passesPerBand: round(expected, 1),
      at60px: round(sum(ok, (s) => s.passes.subject60) / expected, 3),
      at40px: round(sum(ok, (s) => s.passes.subject40) / expected, 3),
    },
    falseCandidates: sum(steps, (s) => s.passes.falseCandidates),
    falseCandidatesPerCameraHour: round(sum(steps, (s) => s.passes.falseCandidates) / cameraHours, 1),
    cameraHours: round(cameraHours, 3),
    captureToQueue: { candidates: lat.length, p50Ms: percentile(lat, 50), p95Ms: percentile(lat, 95) },
    loadAverage1m: steps.map((s) => s.loadAverage1m),
  };
}

function report(steps: Step[], loadAtStart: number[], previous: unknown) {
  console.log('');
  console.log(
    `edge agent, ${machine().cpus} cores (${machine().model}), load average at start ` +
      `${loadAtStart.join(' ')}: 768x576 H.264 10 fps per camera, detect ${DETECT_FPS} fps, motion-gated, ` +
      `inference pool (1 worker per core, 1 intra-op thread), ${SECONDS} s per step`,
  );
  console.log(
    'CPU in cores; agent = its Node process (all threads) + its ffmpeg children; static = frames the motion ' +
      'gate passed without a detector run; runs = BlazeFace inferences',
  );
  console.log('');
  const rows = [
    [
      'scene',
      'start',
      'cams',
      'frames/expected',
      'static',
      'runs',
      'dropped',
      'agent',
      'of box',
      'frames/CPU-s',
      'load',
      'others',
      'subj 60/40 of',
      'false',
      'p95 ms',
      'sustained',
    ],
  ];
  for (const s of steps) {
    rows.push([
      s.scene,
      s.start,
      `${s.cameras}${s.attempt > 1 ? ` (#${s.attempt})` : ''}`,
      `${s.framesAnalysed}/${s.framesExpected}`,
      String(s.framesStatic),
      String(s.detectorRuns),
      String(s.framesDropped),
      s.cores.agentTotal.toFixed(2),
      pct(s.agentShareOfBox),
      String(s.framesPerCpuSecond),
      String(s.loadAverage1m),
      s.cores.otherProcesses.toFixed(2),
      `${s.passes.subject60}/${s.passes.subject40} of ${s.passes.expectedPerBand}`,
      String(s.passes.falseCandidates),
      String(percentile(s.captureToQueueMs, 95)),
      s.sustained ? 'yes' : `no (${s.why.join('; ')})`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => (i === r.length - 1 ? c : c.padStart(widths[i]!))).join('  '));
  // The headline figures are the synchronised start's (the worst case) when it was run.
  const scenes = Object.fromEntries(
    SCENES.map((sc) => {
      const of = (start: Start) => steps.filter((s) => s.scene === sc && s.start === start);
      const head = STARTS[0]!;
      const staggered = head === 'sync' && STARTS.includes('stagger') ? sceneSummary(of('stagger')) : undefined;
      return [sc, { start: head, ...sceneSummary(of(head)), staggered }];
    }),
  );
  console.log('');
  for (const [name, sum] of Object.entries(scenes)) console.log(`${name}: ${JSON.stringify(sum)}`);
  for (const [name, sum] of Object.entries(scenes))
    console.log(
      `${name}: ${sum.camerasSustained} camera(s) sustained (${sum.start} start` +
        `${sum.staggered ? `; ${sum.staggered.camerasSustained} staggered` : ''}); ` +
        `bound: ${sum.bound.kind} at ${sum.bound.atCameras} ` +
        `(${sum.bound.why}); the agent's own cost allows ${sum.camerasByAgentCpu} at ${CPU_LIMIT * 100} % of the box`,
    );
  console.log(`previous run: ${JSON.stringify(previous)}`);

  const results = {
    date: new Date().toISOString(),
    machine: {
      ...machine(),
      platform: `${os.platform()} ${os.arch()}`,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: os.loadavg().map((x) => round(x)),
    },
    setup: {
      scenes:
        'edge-agent/bench/scenes.ts: busy = vtest.avi; entrance = a still part of vtest.avi (the lawn) ' +
        'scaled to 768x576, nobody in view 80 % of the time; 40 s cycle with the enrolled subject passing ' +
        'at 60 px (10-12 s) and 40 px (26-28 s) on the lower lane and two other people at 60 and 40 px ' +
        '(18-20 s, 34-36 s) on the upper lane; one RTSP mount per camera (GStreamer), looping',
      agent:
        'edge-agent/bench/agent-child.ts: startAgent() as in src/main.ts; detect 5 fps at 768x576; motion ' +
        'gating; inference pool of one worker thread per core, 1 intra-op thread each; K=3 frames in 3 s; ' +
        'gallery of 1 subject enrolled through the hub API',
      start:
        `${STARTS.join(' then ')}. scenes.*.camerasSustained and the figures beside it are from the ` +
        `${STARTS[0]} start${STARTS[0] === 'sync' ? WORST_CASE : ''}; ` +
        (STARTS.includes('stagger') && STARTS[0] === 'sync'
          ? 'scenes.*.staggered: camera i of N starts at round(i x 40 / N) s (a rotated copy of the scene), run from ' +
            'the count the synchronised start sustained'
          : ''),
      cooldownSeconds: COOLDOWN_SECONDS,
      secondsPerStep: SECONDS,
      steps: STEPS,
      cpu:
        'from /proc: agent Node process (utime+stime, all threads incl. inference workers); camera ffmpeg ' +
        '= live children reading pipe:1; clips = other children (incl. the tool host and the jobs it reaped); ' +
        'others = /proc/stat busy minus agent, hub + driver, RTSP server (other processes sharing the box)',
      sustainedWhen:
        `agent + ffmpeg <= ${CPU_LIMIT * 100} % of ${CORES} cores, frames analysed (by the ` +
        `motion gate or the detector) >= 90 % of ${DETECT_FPS} fps x cameras, frames skipped for want of ` +
        `inference <= ${DROP_LIMIT * 100} %`,
      bound:
        'scenes.*.bound: why the first camera count not sustained was not - agent-cpu (the agent over the limit), ' +
        'shared-box (other processes used more than the box beyond the limit, so frames waited and were skipped), ' +
        'latency (skips on an otherwise idle box); camerasByAgentCpu: limit x cores / the agent cores per camera at ' +
        "the widest step, skipped frames priced as searched ones (an estimate for a box that is the agent's alone)",
      latency:
        'receivedAt (hub clock) - (capturedAt - clockOffsetMs), candidates captured inside the measurement window',
    },
    steps,
    scenes,
    previous,
    anchor: ANCHOR,
    goal: GOAL,
    targets: {
      camerasEntrance: 12,
      camerasBusy: 6,
      framesPerCpuSecondEntrance: 60,
      recallAt60px: 0.95,
      recallAt40px: 0.8,
      falseCandidates: 0,
      captureToQueueP95Ms: 1500,
    },
  };
  const out = path.join(ROOT, 'bench', 'results', 'edge.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwritten ${path.relative(ROOT, out)}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
