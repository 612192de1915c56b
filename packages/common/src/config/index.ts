export { ConfigError, commaList, duration, envBoolean, loadConfig, parseDuration } from './load.js';
export { baseConfigSchema, baseConfigShape, type BaseConfig } from './base.js';
