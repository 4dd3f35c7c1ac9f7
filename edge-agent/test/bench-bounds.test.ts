import { describe, expect, it } from 'vitest';
import { type StepCost, cameraBound, camerasByAgentCpu, fullRateCores } from '../bench/lib/bounds';

const step = (o: Partial<StepCost> & { cameras: number }): StepCost => ({
  seconds: 40,
  framesAnalysed: o.cameras * 200,
  framesStatic: o.cameras * 120,
  framesDropped: 0,
  sustained: true,
  agentShareOfBox: 0.1,
  ...o,
  cores: { agentTotal: 0.1 * o.cameras, agentOtherThreads: 0.06 * o.cameras, otherProcesses: 0.1, ...o.cores },
});

describe('edge bench: what bounds the camera count', () => {
  it('prices skipped frames as searched ones when estimating the cameras the agent alone allows', () => {
    const s = step({ cameras: 4, framesDropped: 80, framesAnalysed: 720, framesStatic: 480, sustained: false });
    // workers: 0.24 cores x 40 s over 240 searched frames = 0.04 CPU-s each; 80 skipped = 3.2 CPU-s = 0.08 cores
    expect(fullRateCores(s)).toBeCloseTo(0.48, 5);
    expect(camerasByAgentCpu([step({ cameras: 2 }), s], 2, 0.8)).toBe(13); // 1.6 / 0.12
  });

  it('blames other processes when the agent stayed under its limit on a busy box', () => {
    const steps = [
      step({ cameras: 2 }),
      step({ cameras: 4, sustained: false, agentShareOfBox: 0.2, cores: { otherProcesses: 1.5 } as StepCost['cores'] }),
    ];
    expect(cameraBound(steps, 2, 0.8)).toMatchObject({ kind: 'shared-box', atCameras: 4 });
  });

  it('blames the agent when it passed the limit, and latency when the box was otherwise idle', () => {
    const over = step({ cameras: 12, sustained: false, agentShareOfBox: 0.85 });
    expect(cameraBound([over], 2, 0.8)).toMatchObject({ kind: 'agent-cpu', atCameras: 12 });
    const idle = step({ cameras: 8, sustained: false, agentShareOfBox: 0.5 });
    expect(cameraBound([idle], 2, 0.8)).toMatchObject({ kind: 'latency', atCameras: 8 });
  });

  it('counts a camera count sustained on its retry as sustained', () => {
    const steps = [step({ cameras: 2, sustained: false }), step({ cameras: 2 })];
    expect(cameraBound(steps, 2, 0.8)).toMatchObject({ kind: 'none', atCameras: null });
  });
});
