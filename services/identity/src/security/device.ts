import { createHash } from 'node:crypto';
import Bowser from 'bowser';
import type { DeviceInfo } from '../db.js';

export interface ParsedDevice extends DeviceInfo {
  /** Same browser family on the same OS and kind of device; versions left out so an update is not a new device. */
  fingerprint: string;
}

const clip = (value: string | undefined) => (value === undefined || value === '' ? null : value.slice(0, 64));

/** The device a User-Agent names, parsed offline; the raw string is never part of the fingerprint. */
export function parseDevice(userAgent: string | null): ParsedDevice {
  const parsed = userAgent === null ? undefined : Bowser.parse(userAgent);
  const device: DeviceInfo = { browser: clip(parsed?.browser.name), os: clip(parsed?.os.name), type: clip(parsed?.platform.type) };
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([device.browser, device.os, device.type]))
    .digest('hex')
    .slice(0, 32);
  return { ...device, fingerprint };
}

/** "Firefox on Linux (desktop)", for messages. */
export function describeDevice(device: DeviceInfo): string {
  const what = [device.browser ?? 'an unknown browser', device.os && `on ${device.os}`].filter(Boolean).join(' ');
  return device.type === null ? what : `${what} (${device.type})`;
}
