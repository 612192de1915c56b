export { distanceKm, openGeoLocator, type GeoLocation, type GeoLocator } from './locate.js';
