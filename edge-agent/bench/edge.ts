/**
 * `npm run bench:edge`: the edge agent end to end on this box, as a child process measured from
 * /proc, against a real hub (in this process) and a real RTSP server (GStreamer, also here).
 *
 * For N = 1, 2, 3, ... cameras (768x576 H.264 at 10 fps, decoded at 5 fps, detect at 768x576,
 * a gallery of one subject) it runs the agent for BENCH_SECONDS and reports:
 *  - frames analysed per CPU-second: matcher frames / CPU of (agent + its ffmpeg children),
 *    and / CPU of the agent's Node process alone;
 *  - whether N is sustained: agent + ffmpeg under 80 % of the box's cores and frames analysed
 *    at least 90 % of 5 fps x N (the matcher drops a camera's frame while the previous one of
 *    that camera is still being analysed; drops are reported beside);
 *  - capture -> candidate stored in the hub (p50, p95): receivedAt (hub clock) minus capturedAt
 *    (edge clock, the candidate's best frame) corrected by clockOffsetMs (edge minus hub).
 * The hub and the RTSP server share the box; their CPU is reported beside, not counted.
 *
 * The camera video is the tests' vtest.avi + face overlay, but with the face passing every
 * 10 s (in view 4 s of each 10 s) and the matcher cooldown at 5 s, so that every pass yields
 * a candidate. Anchors (Frigate): CPU detector ~14 frames/s per core; event -> face
 * recognition median 8.3 s. Goals: >= 60 frames per CPU-second; capture -> queue p95 <= 1.5 s.
 *
 *   node --import tsx edge-agent/bench/edge.ts
 *   env: BENCH_SECONDS (30), BENCH_MAX_CAMERAS (4), BENCH_COOLDOWN_SECONDS (5)
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ReviewCandidate } from '@shopwatch/protocols';
import { machine } from '../../hub/bench/lib/proc';
import { percentile, round } from '../../hub/bench/lib/stats';
import { login, startTestHub, tempDir } from '../../hub/test/support/hub';
import type { MatcherStats } from '../src/matching/matcher';
import { FACE_OVERLAY, facePhoto, mediaCacheDir, VTEST_AVI } from '../test/support/media';
import { startRtspServer } from '../test/support/rtsp-server';
import { boxCpu, childrenOf, cpuOf, reapedChildrenSeconds } from './lib/procs';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const MAX_CAMERAS = Number(process.env.BENCH_MAX_CAMERAS ?? 4);
const COOLDOWN_SECONDS = Number(process.env.BENCH_COOLDOWN_SECONDS ?? 5);
const DETECT_FPS = 5;
const RETRY_BUDGET_MS = Number(process.env.BENCH_RETRY_BUDGET_SECONDS ?? 150) * 1000;
const CORES = os.cpus().length;
const CPU_LIMIT = 0.8; // of all cores
const ANCHOR = { frigateCpuDetectorFramesPerSecondPerCore: 14, frigateEventToFaceRecognitionMedianMs: 8300 };
const GOAL = { framesPerCpuSecond: 60, captureToQueueP95Ms: 1500 };

const log = (...a: unknown[]) => console.error('[bench:edge]', ...a);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const run = promisify(execFile);

/** The face video of the tests with the face passing every 10 s (in view from 2 s to 6 s of each 10). */
async function benchVideo(): Promise<string> {
  const face = await facePhoto();
  const { x, y, size } = FACE_OVERLAY;
  // Same camera-like H.264 as test/support/media.ts: 1 s GOP, no B-frames, no audio.
  const h264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '26', '-g', '10', '-keyint_min', '10', '-sc_threshold', '0', '-bf', '0', '-pix_fmt', 'yuv420p', '-an', '-movflags', '+faststart'];
  const filter = `[1:v]scale=${size}:${size}[f];[0:v][f]overlay=x=${x}:y=${y}:enable='between(mod(t,10),2,6)'`;
  const key = createHash('sha256').update(JSON.stringify([h264, filter, face])).digest('hex').slice(0, 12);
  const file = path.join(mediaCacheDir(), `edge-bench-${key}`, 'vtest-face-every-10s.mp4');
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp.mp4`;
  await run('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-i', VTEST_AVI, '-i', face, '-filter_complex', filter, ...h264, tmp]);
  fs.renameSync(tmp, file);
  return file;
}

interface Step {
  cameras: number;
  seconds: number;
  framesAnalysed: number;
  framesExpected: number;
  framesDropped: number;
  faces: number;
  candidates: number;
  attempt: number;
  cores: { agentNode: number; cameraFfmpeg: number; exitedChildren: number; agentTotal: number; hubAndDriver: number; rtspServer: number; otherProcesses: number; boxBusy: number; steal: number };
  agentShareOfBox: number;
  framesPerCpuSecond: number;
  framesPerNodeCpuSecond: number;
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
  log('building the bench video (cached after the first run)');
  const video = await benchVideo();
  const mounts = Object.fromEntries(Array.from({ length: MAX_CAMERAS }, (_, i) => [`cam${i}`, video]));
  const work = tempDir('shopwatch-edge-bench-');
  fs.mkdirSync(path.join(work, 'hub'));
  const [hub, rtsp] = await Promise.all([startTestHub({ dataDir: path.join(work, 'hub') }), startRtspServer({ mounts })]);
  const rtspPid = childrenOf(process.pid).find((p) => p.cmdline.includes('rtsp-server.py'))?.pid;
  const steps: Step[] = [];
  try {
    const [coord, op] = await Promise.all([login(hub.http, 'coord', 'coord-password'), login(hub.http, 'operator', 'operator-password')]);
    const call = async (method: string, p: string, token: string, body?: unknown) => {
      const res = await fetch(`${hub.http}${p}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': Buffer.isBuffer(body) ? 'image/png' : 'application/json' },
        body: body === undefined ? undefined : Buffer.isBuffer(body) ? (body as unknown as BodyInit) : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
      return (await res.json()) as any;
    };
    // The gallery: one subject, enrolled through the hub's API from the face photo in the video.
    const inc = await call('POST', '/api/incidents', coord, { type: 'theft', occurredAt: new Date().toISOString(), store: 'boots', description: 'Theft of razor blades', statement: 'I watched him put razor blades in his coat and leave without paying.' });
    const subject = await call('POST', '/api/gallery/subjects', coord, { alias: 'Razor Man', status: 'known', reason: 'repeat-offending', incidentIds: [inc.id], under18: false, vulnerable: false });
    await call('POST', `/api/gallery/subjects/${subject.id}/photos?source=test`, coord, fs.readFileSync(await facePhoto()));

    const seen = new Map<string, ReviewCandidate>();
    const poll = async () => {
      for (const c of (await call('GET', '/api/review?status=all', op)) as ReviewCandidate[]) if (!seen.has(c.id)) seen.set(c.id, c);
    };

    // Every camera count is run; one that misses is tried once more while the time budget
    // lasts, because the box is shared and other processes' CPU shows up as dropped frames.
    const started = Date.now();
    for (let n = 1; n <= MAX_CAMERAS; n++) {
      for (let attempt = 1; attempt <= 2; attempt++) {
        const step = await runStep(n, attempt, path.join(work, `n${n}-${attempt}`), { hub, rtspUrl: (id) => rtsp.url(id), rtspPid, poll, seen });
        steps.push(step);
        log(`${n} camera(s)${attempt > 1 ? ` (attempt ${attempt})` : ''}: ${step.framesAnalysed}/${step.framesExpected} frames, ${step.framesDropped} dropped, agent ${pct(step.agentShareOfBox)} of the box (box ${pct(step.cores.boxBusy / CORES)} busy), ${step.framesPerCpuSecond} frames/CPU-s, ${step.candidates} candidates${step.sustained ? '' : ` — not sustained: ${step.why.join('; ')}`}`);
        if (step.sustained || Date.now() - started > RETRY_BUDGET_MS) break;
      }
    }
  } finally {
    cleanup();
    await rtsp.close();
    await hub.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  report(steps, loadAtStart);
}

interface StepContext {
  hub: { http: string; mqttPort: number };
  rtspUrl: (mount: string) => string;
  rtspPid: number | undefined;
  poll: () => Promise<void>;
  seen: Map<string, ReviewCandidate>;
}

async function runStep(n: number, attempt: number, dir: string, ctx: StepContext): Promise<Step> {
  fs.mkdirSync(dir, { recursive: true });
  const configFile = path.join(dir, 'edge.json');
  fs.writeFileSync(configFile, JSON.stringify({
    hub: { mqttUrl: `mqtt://127.0.0.1:${ctx.hub.mqttPort}`, httpUrl: ctx.hub.http },
    device: { id: 'edge-boots', secret: 'edge-boots-secret-for-tests', scheme: 'town' },
    cameras: Array.from({ length: n }, (_, i) => ({ id: `cam-${i}`, name: `Camera ${i}`, url: ctx.rtspUrl(`cam${i}`), detectFps: DETECT_FPS, detectSize: { width: 768, height: 576 } })),
    thresholds: { frames: 3, windowSeconds: 3 },
    spool: { dir: path.join(dir, 'spool'), quotaBytes: '500MB' },
    // The buffer must be memory-backed (the agent checks): /dev/shm, like a real box.
    evidence: {
      preRollSeconds: 2, postRollSeconds: 4, segmentSeconds: 1,
      bufferDir: `/dev/shm/shopwatch-bench-${path.basename(dir)}-${process.pid}`,
    },
    logLevel: 'warn',
  }, null, 2));

  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'agent-child.ts'), '--config', configFile], {
    cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, SHOPWATCH_BENCH_COOLDOWN_SECONDS: String(COOLDOWN_SECONDS) },
  });
  children.add(child);
  const agentPid = child.pid!;
  const latest: { stats: MatcherStats | null; templates: number } = { stats: null, templates: 0 };
  child.on('message', (m: any) => m?.type === 'stats' && Object.assign(latest, { stats: m.matcher, templates: m.templates }));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const trackKids = () => childrenOf(agentPid).forEach((p) => strayPids.add(p.pid));

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
    const agent0 = cpuOf(agentPid)!, reaped0 = reapedChildrenSeconds(agentPid), hub0 = process.cpuUsage(), rtsp0 = ctx.rtspPid ? cpuOf(ctx.rtspPid) ?? 0 : 0;
    const box0 = boxCpu();
    const t0 = Date.now();
    kids0.forEach((p) => strayPids.add(p.pid));
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
    const agent1 = cpuOf(agentPid)!, reaped1 = reapedChildrenSeconds(agentPid), hub1 = process.cpuUsage(hub0), rtsp1 = ctx.rtspPid ? cpuOf(ctx.rtspPid) ?? 0 : 0;

    // Children alive at the end: their CPU since the start (or since birth); children that
    // exited meanwhile: counted from the agent's cutime/cstime.
    let cameraFfmpeg = 0, otherLive = 0, restarts = 0;
    for (const k of kids1) {
      const before = kids0.get(k.pid)?.cpuSeconds ?? 0;
      const isCamera = k.cmdline.includes('pipe:1');
      if (isCamera && !kids0.has(k.pid)) restarts++;
      if (isCamera) cameraFfmpeg += k.cpuSeconds - before;
      else otherLive += k.cpuSeconds - before;
    }
    const exitedChildren = reaped1 - reaped0 + otherLive;
    const agentNode = agent1 - agent0;
    const agentTotal = agentNode + cameraFfmpeg + exitedChildren;
    const hubCpu = (hub1.user + hub1.system) / 1e6;
    const boxBusy = box1.busy - box0.busy;

    // Candidates captured inside the window; give the last ones a few seconds to arrive.
    await sleep(3000);
    await ctx.poll();
    const latencies = [...ctx.seen.values()]
      .filter((c) => Date.parse(c.capturedAt) >= t0 && Date.parse(c.capturedAt) < t1)
      .map((c) => Date.parse(c.receivedAt) - (Date.parse(c.capturedAt) - c.clockOffsetMs));

    const framesAnalysed = s1.framesAnalysed - s0.framesAnalysed;
    const framesExpected = Math.round(DETECT_FPS * n * wall);
    const framesDropped = s1.framesDropped - s0.framesDropped;
    const agentShareOfBox = agentTotal / wall / CORES;
    const why: string[] = [];
    if (agentShareOfBox > CPU_LIMIT) why.push(`agent + ffmpeg at ${pct(agentShareOfBox)} of ${CORES} cores`);
    if (framesAnalysed < 0.9 * framesExpected) why.push(`${framesAnalysed} of ${framesExpected} frames analysed`);
    const others = Math.max(0, boxBusy - agentTotal - hubCpu - (rtsp1 - rtsp0)) / wall;
    if (why.length && others > 0.25) why.push(`other processes used ${others.toFixed(2)} cores meanwhile`);
    return {
      cameras: n, attempt, seconds: round(wall, 1), framesAnalysed, framesExpected, framesDropped,
      faces: s1.faces - s0.faces, candidates: latencies.length,
      cores: {
        agentNode: round(agentNode / wall, 3), cameraFfmpeg: round(cameraFfmpeg / wall, 3), exitedChildren: round(exitedChildren / wall, 3), agentTotal: round(agentTotal / wall, 3),
        hubAndDriver: round(hubCpu / wall, 3), rtspServer: round((rtsp1 - rtsp0) / wall, 3),
        // everything else on the box: other people's processes compete for the same cores
        otherProcesses: round(others, 3),
        boxBusy: round(boxBusy / wall, 3), steal: round((box1.steal - box0.steal) / wall, 3),
      },
      agentShareOfBox: round(agentShareOfBox, 3),
      framesPerCpuSecond: round(framesAnalysed / agentTotal, 1),
      framesPerNodeCpuSecond: round(framesAnalysed / agentNode, 1),
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

function report(steps: Step[], loadAtStart: number[]) {
  const sustained = [...new Set(steps.filter((s) => s.sustained).map((s) => s.cameras))];
  const sustainedN = Math.max(0, ...sustained);
  // What the agent's own cost allows on this box, from the sustained step with most cameras:
  // the CPU limit, and the matcher's ceiling (it analyses one frame at a time on one inference
  // thread, so it cannot use more than about one core, whatever the box has).
  const all = steps.flatMap((s) => s.captureToQueueMs);
  const ok = steps.filter((s) => s.sustained).flatMap((s) => s.captureToQueueMs);
  const lat = (xs: number[]) => ({ candidates: xs.length, p50Ms: percentile(xs, 50), p95Ms: percentile(xs, 95), maxMs: xs.length ? Math.max(...xs) : NaN });
  // A step is repeated once when it misses; the sustained attempt stands for its camera count.
  const at1 = steps.find((s) => s.cameras === 1 && s.sustained) ?? steps[0];
  const head = steps.find((s) => s.sustained && s.cameras === sustainedN) ?? at1;
  const estimate = {
    byCpu: Math.floor((CPU_LIMIT * CORES) / (head.cores.agentTotal / head.cameras)),
    bySerialMatcher: Math.floor(head.framesPerNodeCpuSecond / (0.9 * DETECT_FPS)),
  };

  console.log('');
  console.log(`edge agent, ${machine().cpus} cores (${machine().model}), load average at start ${loadAtStart.join(' ')}: 768x576 H.264 10 fps per camera, detect ${DETECT_FPS} fps at 768x576 (tiled), gallery of 1, ${SECONDS} s per step`);
  console.log('CPU in cores (1.00 = one core busy); agent = its Node process + its ffmpeg children; hub and RTSP server share the box and are not counted in the agent;');
  console.log('busy = wall-clock share the matcher spent analysing (it analyses one frame at a time, so 100 % is its ceiling whatever the cores);');
  console.log('others = CPU of every other process on the box (/proc/stat busy minus agent, hub, RTSP server); box = whole-box busy share');
  console.log('');
  const rows = [['cams', 'frames/expected', 'dropped', 'node', 'ffmpeg', 'clips', 'agent', 'of box', 'frames/CPU-s', 'frames/node-CPU-s', 'busy', 'hub', 'rtsp', 'others', 'box', 'cands', 'p50 ms', 'p95 ms', 'sustained']];
  for (const s of steps) {
    rows.push([`${s.cameras}${s.attempt > 1 ? ` (#${s.attempt})` : ''}`, `${s.framesAnalysed}/${s.framesExpected}`, String(s.framesDropped), s.cores.agentNode.toFixed(2), s.cores.cameraFfmpeg.toFixed(2), s.cores.exitedChildren.toFixed(2),
      s.cores.agentTotal.toFixed(2), pct(s.agentShareOfBox), String(s.framesPerCpuSecond), String(s.framesPerNodeCpuSecond), pct(s.matcherBusy), s.cores.hubAndDriver.toFixed(2), s.cores.rtspServer.toFixed(2), s.cores.otherProcesses.toFixed(2), pct(s.cores.boxBusy / CORES),
      String(s.candidates), String(percentile(s.captureToQueueMs, 50)), String(percentile(s.captureToQueueMs, 95)), s.sustained ? 'yes' : `no (${s.why.join('; ')})`]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => (i === r.length - 1 ? c : c.padStart(widths[i]))).join('  '));
  console.log('');
  const fr = (x: number) => `${x} frames/CPU-s = ${round(x / ANCHOR.frigateCpuDetectorFramesPerSecondPerCore, 2)}x Frigate's CPU detector (~${ANCHOR.frigateCpuDetectorFramesPerSecondPerCore}/s per core)`;
  console.log(`frames per CPU-second at 1 camera, agent + ffmpeg: ${fr(at1.framesPerCpuSecond)}; Node process only: ${fr(at1.framesPerNodeCpuSecond)}; goal >= ${GOAL.framesPerCpuSecond}`);
  console.log(`frames per CPU-second at ${head.cameras} camera(s): agent + ffmpeg ${fr(head.framesPerCpuSecond)}; Node process only ${head.framesPerNodeCpuSecond}`);
  console.log(`cameras sustained (agent + ffmpeg <= ${pct(CPU_LIMIT)} of ${CORES} cores, >= 90 % of ${DETECT_FPS} fps analysed): ${sustainedN} (sustained at: ${sustained.join(', ') || 'none'})`);
  console.log(`  estimate from the agent's own cost at ${head.cameras} camera(s), box to itself: ${estimate.byCpu} by the CPU limit, ${estimate.bySerialMatcher} by the one-frame-at-a-time matcher (${head.framesPerNodeCpuSecond} frames per Node CPU-second)`);
  const l = lat(all);
  console.log(`capture -> candidate stored in the hub, all ${l.candidates} candidates: p50 ${l.p50Ms} ms, p95 ${l.p95Ms} ms (goal p95 <= ${GOAL.captureToQueueP95Ms} ms); Frigate event -> face recognition median ${ANCHOR.frigateEventToFaceRecognitionMedianMs} ms = ${round(ANCHOR.frigateEventToFaceRecognitionMedianMs / l.p50Ms, 1)}x our p50`);
  const lo = lat(ok);
  console.log(`  at sustained camera counts only (${lo.candidates} candidates): p50 ${lo.p50Ms} ms, p95 ${lo.p95Ms} ms`);

  const results = {
    date: new Date().toISOString(),
    machine: { ...machine(), platform: `${os.platform()} ${os.arch()}`, loadAverageAtStart: loadAtStart, loadAverageAtEnd: os.loadavg().map((x) => round(x)) },
    setup: {
      video: 'vtest.avi (768x576, 10 fps H.264, 1 s GOP) with the test face (120 px) overlaid at the same place for 4 s in every 10 s; one RTSP mount per camera (GStreamer), each session starting at t=0',
      agent: 'edge-agent/bench/agent-child.ts: startAgent() as in src/main.ts, one child process; detect 5 fps at 768x576, tiled BlazeFace, 1 inference thread; K=3 frames in 3 s; gallery of 1 subject enrolled through the hub API',
      cooldownSeconds: COOLDOWN_SECONDS,
      secondsPerStep: SECONDS,
      cpu: 'from /proc: agent Node process (utime+stime, all threads); camera ffmpeg = live children reading pipe:1; clips = children that exited or are not camera ffmpeg (clip cuts, ffprobe), from the agent cutime/cstime; hub = this process (in-process hub + the bench driver polling /api/review each second); RTSP server = the python3 GStreamer process; others = /proc/stat busy minus all of these (other processes sharing the box)',
      sustainedWhen: `agent + ffmpeg <= ${CPU_LIMIT * 100} % of ${CORES} cores and frames analysed >= 90 % of ${DETECT_FPS} fps x cameras (frames dropped by the matcher are reported, and count through the second condition)`,
      latency: 'receivedAt (hub clock) - (capturedAt - clockOffsetMs); capturedAt = when the best of the K matching frames left ffmpeg (edge clock); only candidates captured inside the measurement window',
    },
    steps,
    summary: {
      framesPerCpuSecondAt1Camera: at1.framesPerCpuSecond,
      framesPerNodeCpuSecondAt1Camera: at1.framesPerNodeCpuSecond,
      framesPerCpuSecondAtSustained: head.framesPerCpuSecond,
      camerasSustained: sustainedN,
      sustainedSteps: sustained,
      camerasEstimate: { ...estimate, $comment: 'from the agent cost at the sustained step with most cameras, if the agent had the box to itself; the matcher analyses one frame at a time on one inference thread' },
      captureToQueue: l,
      captureToQueueAtSustained: lo,
    },
    anchor: ANCHOR,
    goal: GOAL,
    ratios: {
      framesPerCpuSecondVsFrigateDetector: round(at1.framesPerCpuSecond / ANCHOR.frigateCpuDetectorFramesPerSecondPerCore, 2),
      nodeFramesPerCpuSecondVsFrigateDetector: round(at1.framesPerNodeCpuSecond / ANCHOR.frigateCpuDetectorFramesPerSecondPerCore, 2),
      frigateRecognitionMedianOverOurP50: round(ANCHOR.frigateEventToFaceRecognitionMedianMs / l.p50Ms, 1),
    },
    goalMet: { framesPerCpuSecond: at1.framesPerCpuSecond >= GOAL.framesPerCpuSecond, captureToQueueP95: l.p95Ms <= GOAL.captureToQueueP95Ms },
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
