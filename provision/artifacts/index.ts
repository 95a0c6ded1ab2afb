export * from './spec.ts';
export * from './cache.ts';
export * from './catalog.ts';
export * from './classpath.ts';
export * from './prepare.ts';
export { pomFor } from './pom.ts';
export * from './install.ts';
