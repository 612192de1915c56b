import { distanceKm, type GeoLocation } from '@expensio/common';

/**
 * The signals a sign-in is scored on, and their weights: the one place they are set.
 * docs/security-monitoring.md explains each and why it weighs what it does; keep them in step.
 */
export const SIGNAL_CODES = ['new_device', 'new_country', 'new_city', 'impossible_travel', 'failure_burst', 'unusual_hour'] as const;
export type SignalCode = (typeof SIGNAL_CODES)[number];

export const SIGNAL_WEIGHTS: Readonly<Record<SignalCode, number>> = {
  new_device: 25,
  new_country: 30,
  new_city: 10,
  impossible_travel: 60,
  failure_burst: 20,
  unusual_hour: 15,
};

/** Faster than an airliner, over a distance a neighbouring city or a GeoIP error cannot explain. */
export const IMPOSSIBLE_SPEED_KMH = 900;
export const IMPOSSIBLE_MIN_KM = 500;
/** Failures in FAILURE_BURST_WINDOW_MS from which a burst is a signal. */
export const FAILURE_BURST_MIN = 3;
export const FAILURE_BURST_WINDOW_MS = 15 * 60_000;
/** Successful sign-ins before an hour of day never used counts as unusual. */
export const UNUSUAL_HOUR_MIN_HISTORY = 20;

export interface Signal {
  code: SignalCode;
  /** For the person whose account it is. */
  message: string;
}

/** What the account's history says about this attempt, as the repository reads it. */
export interface SignInHistory {
  deviceKnown: boolean;
  /** Countries and cities of earlier successful sign-ins (registration included). */
  countryKnown: boolean;
  cityKnown: boolean;
  /** The last successful sign-in from an address with a location. */
  previousLocated: { at: Date; location: Pick<GeoLocation, 'country' | 'city' | 'latitude' | 'longitude'> } | null;
  recentFailures: number;
  successCount: number;
  successesAtThisHour: number;
}

export interface Attempt {
  at: Date;
  location: GeoLocation | null;
  /** Hour of day in the user's time zone. */
  hour: number;
}

export interface Assessment {
  signals: Signal[];
  score: number;
}

const place = (location: Pick<GeoLocation, 'country' | 'city'>) => (location.city === null ? location.country : `${location.city}, ${location.country}`);

/** Scores one attempt against the account's history: pure, so each rule is tested without a database. */
export function assessSignIn(history: SignInHistory, attempt: Attempt): Assessment {
  const signals: Signal[] = [];
  const { location } = attempt;
  if (!history.deviceKnown) signals.push({ code: 'new_device', message: 'A sign-in from a device not seen on this account before.' });
  if (location !== null && !history.countryKnown)
    signals.push({ code: 'new_country', message: `A sign-in from a country not seen on this account before (${location.country}).` });
  else if (location !== null && location.city !== null && !history.cityKnown)
    signals.push({ code: 'new_city', message: `A sign-in from a city not seen on this account before (${place(location)}).` });
  const travel = travelBetween(history.previousLocated, attempt);
  if (travel !== null) {
    signals.push({
      code: 'impossible_travel',
      message: `A sign-in from ${place(travel.to)}, ${String(Math.round(travel.km))} km from the previous one (${place(travel.from)}) ${travel.minutes} minutes earlier: nobody travels that fast.`,
    });
  }
  if (history.recentFailures >= FAILURE_BURST_MIN) {
    signals.push({ code: 'failure_burst', message: `${String(history.recentFailures)} failed sign-in attempts on this account in the last 15 minutes.` });
  }
  if (history.successCount >= UNUSUAL_HOUR_MIN_HISTORY && history.successesAtThisHour === 0) {
    signals.push({ code: 'unusual_hour', message: `A sign-in at an hour this account never signs in at (${String(attempt.hour).padStart(2, '0')}:00).` });
  }
  return { signals, score: scoreOf(signals.map((s) => s.code)) };
}

export function scoreOf(codes: readonly SignalCode[]): number {
  return Math.min(
    100,
    codes.reduce((sum, code) => sum + SIGNAL_WEIGHTS[code], 0),
  );
}

function travelBetween(previous: SignInHistory['previousLocated'], attempt: Attempt) {
  if (previous === null || attempt.location === null) return null;
  const km = distanceKm(previous.location, attempt.location);
  if (km <= IMPOSSIBLE_MIN_KM) return null;
  const hours = Math.max(attempt.at.getTime() - previous.at.getTime(), 0) / 3_600_000;
  // Two sign-ins in the same instant far apart are impossible at any speed.
  if (hours > 0 && km / hours <= IMPOSSIBLE_SPEED_KMH) return null;
  return { km, from: previous.location, to: attempt.location, minutes: String(Math.round(hours * 60)) };
}

/** The hour of day of `at` in `timeZone` (an IANA name). */
export function hourIn(at: Date, timeZone: string): number {
  const text = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' }).format(at);
  return Number(text) % 24;
}

/**
 * What the account-wide score (GET /api/security/summary, last 30 days) takes from events that are
 * not one sign-in's signals: the riskiest sign-in's score, or any of these when higher.
 */
export const INCIDENT_SCORES = {
  'refresh.reused': 80,
  'login.account_held': 40,
  'otp.locked': 30,
} as const;

export function riskLevel(score: number): 'low' | 'medium' | 'high' {
  if (score >= 50) return 'high';
  return score >= 25 ? 'medium' : 'low';
}
