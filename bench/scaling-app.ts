#!/usr/bin/env node
/**
 * Scaling benchmark: one app holding BENCH_PROJECTS (default 1) complete project stacks,
 * named bench-1 .. bench-N, each configured as bin/app.ts would configure it.
 */
import { App } from 'aws-cdk-lib';
import { addProjectStacks, parseProjectConfig } from '../lib';

const count = Number(process.env.BENCH_PROJECTS ?? '1');
if (!Number.isInteger(count) || count < 1) {
  throw new Error(`BENCH_PROJECTS must be a positive integer; got '${process.env.BENCH_PROJECTS}'`);
}
const app = new App();
for (let i = 1; i <= count; i++) {
  addProjectStacks(app, parseProjectConfig({ projectName: `bench-${i}` }));
}
