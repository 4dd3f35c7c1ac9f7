import { describe, expect, it } from 'vitest';
import { clientIdFor, isClientIdOf } from '../src/client-id';

describe('client ids bound to devices', () => {
  it('accepts the device id and "{deviceId}:{suffix}"', () => {
    expect(clientIdFor('radio-boots')).toBe('radio-boots');
    expect(clientIdFor('radio-boots', 'console')).toBe('radio-boots:console');
    expect(isClientIdOf('radio-boots', 'radio-boots')).toBe(true);
    expect(isClientIdOf('radio-boots', 'radio-boots:console')).toBe(true);
  });

  it('refuses ids of other devices, even ones that start with the device id', () => {
    const cases: [string, string][] = [
      ['radio', 'radio-coop'], // "-" is part of device ids, so it cannot be the separator
      ['radio', 'radio_coop'],
      ['radio-boots', 'radio-coop:x'],
      ['radio-boots', 'radio-boots:'],
      ['radio-boots', 'x:radio-boots'],
      ['radio-boots', 'mqttjs_1a2b3c'],
      ['radio-boots', ''],
      ['radio-boots', `radio-boots:${'x'.repeat(200)}`],
    ];
    for (const [device, id] of cases) expect(isClientIdOf(device, id), `${device} / ${id}`).toBe(false);
  });
});
