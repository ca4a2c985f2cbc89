export * from './organizations.js';
export * from './principals.js';
export * from './projects.js';
export * from './runs.js';
export * from './prices.js';
export * from './costs.js';
export * from './estimates.js';
