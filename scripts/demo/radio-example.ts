/**
 * The `mosquitto_sub` command `npm start` prints for trying a radio. It subscribes at QoS 1, as
 * the README tells radio gateways to (issue 12: the printed example used QoS 0).
 */
export interface RadioExample {
  port: number;
  device: string;
  secret: string;
  scheme: string;
  zone: string;
}

export function radioExampleArgs(o: RadioExample): string[] {
  return [
    '-p',
    String(o.port),
    '-i',
    `${o.device}:cli`,
    '-u',
    o.device,
    '-P',
    o.secret,
    '-q',
    '1',
    '-t',
    `shopwatch/${o.scheme}/zones/${o.zone}/alerts`,
    '-v',
  ];
}
