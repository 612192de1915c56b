import type { FastifyApiReferenceOptions } from '@scalar/fastify-api-reference';

type Configuration = NonNullable<FastifyApiReferenceOptions['configuration']>;

/**
 * The /docs page loads only what this server serves: the bundled script and /openapi.json. Scalar's
 * defaults would fetch fonts from fonts.scalar.com, count page views, and offer its cloud features
 * (the AI agent, the developer toolbar's Deploy and Share, the hosted API client), none of which a
 * self-hosted finance server should reach out to or advertise.
 */
export function referencePageConfiguration(title: string): Configuration {
  return {
    url: '/openapi.json',
    title,
    pageTitle: title,
    withDefaultFonts: false,
    telemetry: false,
    hideClientButton: true,
    showDeveloperTools: 'never',
    agent: { disabled: true },
  };
}
