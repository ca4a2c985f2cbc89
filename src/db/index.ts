export * from './client.js';
export * from './migrate.js';
export * as tables from './schema/index.js';
