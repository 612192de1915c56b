import { describe, expect, it } from 'vitest';
import { distanceKm, openGeoLocator } from '@expensio/common';
import { TEST_IPS } from '@expensio/common/testing';

const { US: US_IP, DE: DE_IP, JP: JP_IP } = TEST_IPS;

describe('geo locator', () => {
  it('places public addresses in their country, IPv4, IPv4-mapped and IPv6 alike', async () => {
    const geo = await openGeoLocator();
    expect(geo.locate(US_IP)?.country).toBe('US');
    expect(geo.locate(DE_IP)?.country).toBe('DE');
    expect(geo.locate(JP_IP)?.country).toBe('JP');
    expect(geo.locate(`::ffff:${DE_IP}`)?.country).toBe('DE');
    expect(geo.locate('2001:4860:4860::8888')?.country).toBe('US');
    const berlinish = geo.locate('62.153.159.92');
    expect(berlinish).toMatchObject({ country: 'DE', city: expect.any(String) });
  });

  it('gives no location for loopback, private and malformed addresses', async () => {
    const geo = await openGeoLocator();
    for (const ip of ['127.0.0.1', '::1', '10.1.2.3', '192.168.1.1', '172.16.0.5', 'fe80::1', 'not-an-ip', '']) expect(geo.locate(ip), ip).toBeNull();
  });

  it('measures great-circle distance', () => {
    // Paris to London is 343-344 km by every published figure.
    expect(distanceKm({ latitude: 48.8566, longitude: 2.3522 }, { latitude: 51.5074, longitude: -0.1278 })).toBeCloseTo(343.5, 0);
    expect(distanceKm({ latitude: 10, longitude: 20 }, { latitude: 10, longitude: 20 })).toBe(0);
  });
});
