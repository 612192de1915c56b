/**
 * Public addresses whose country the shipped GeoLite2 data has placed steadily, for tests of
 * location signals: Google's DNS (US), Strato (DE, Berlin-area hosting), Sakura Internet (JP).
 */
export const TEST_IPS = { US: '8.8.8.8', DE: '81.169.145.105', JP: '133.242.0.3' } as const;
