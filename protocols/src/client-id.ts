/**
 * MQTT client ids are bound to the authenticated device, so one device can never take over
 * (or inherit the persistent session of) another device's connection [MQTT-3.1.3-2].
 *
 * A client id is either the device id itself or `{deviceId}:{suffix}`. The separator is ":"
 * because device ids (slugs) cannot contain it: with "-" a device "radio" could claim
 * "radio-coop", the id of another device.
 */
export const CLIENT_ID_SEPARATOR = ':';

/** Longest client id the hub accepts (device id, separator and suffix). */
export const MAX_CLIENT_ID_LENGTH = 128;

/**
 * The client id a device connects with.
 * @example clientIdFor('edge-boots', 'agent') // 'edge-boots:agent'
 */
export function clientIdFor(deviceId: string, suffix?: string): string {
  return suffix ? `${deviceId}${CLIENT_ID_SEPARATOR}${suffix}` : deviceId;
}

/** True when `clientId` is one the device `deviceId` may use. */
export function isClientIdOf(deviceId: string, clientId: string): boolean {
  if (clientId.length > MAX_CLIENT_ID_LENGTH) return false;
  const prefix = deviceId + CLIENT_ID_SEPARATOR;
  return clientId === deviceId || (clientId.startsWith(prefix) && clientId.length > prefix.length);
}
