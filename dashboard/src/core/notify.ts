/**
 * Sound and vibration for new alerts. Browsers only let a page play audio after a user gesture,
 * so the AudioContext is created (and resumed) on the first tap or key press anywhere.
 */
let ctx: AudioContext | null = null;

export function unlockAudio() {
  try {
    ctx ??= new AudioContext();
    if (ctx.state === 'suspended') void ctx.resume();
  } catch {
    ctx = null;
  }
}

export function audioReady(): boolean {
  return ctx?.state === 'running';
}

/** Two or three short, loud beeps: distinct from a phone's own notification sounds. */
export function beep(urgent = false) {
  if (ctx?.state !== 'running') return false;
  const t0 = ctx.currentTime;
  const count = urgent ? 3 : 2;
  for (let i = 0; i < count; i++) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'square';
    osc.frequency.value = urgent ? 1320 : 880;
    const t = t0 + i * 0.28;
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.35, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.2);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t);
    osc.stop(t + 0.22);
  }
  return true;
}

export function vibrate(urgent = false) {
  if (typeof navigator.vibrate !== 'function') return false;
  return navigator.vibrate(urgent ? [300, 120, 300, 120, 600] : [250, 100, 250]);
}
