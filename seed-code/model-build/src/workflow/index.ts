/**
 * A small typed library that emits SageMaker pipeline definitions.
 *
 * @packageDocumentation
 */
export * from './expressions';
export * from './properties';
export * from './conditions';
export * from './steps';
export * from './validation';
export * from './pipeline';
export * from './job-resources';
export * from './json';
