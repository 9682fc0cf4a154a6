const { availableParallelism } = require('node:os');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Slow suites (load, full-count fuzzing, language hosts, multi-stack program runs) are named
  // *.slow.test.ts and run with `npm run test:slow` (jest.slow.config.js).
  testPathIgnorePatterns: ['/node_modules/', '\\.slow\\.test\\.ts$'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // Jest's default is one worker fewer than the cores (on 2 cores, everything in band). Many
  // suites wait on timers and child processes, so one worker more than the cores keeps them busy.
  maxWorkers: availableParallelism() + 1,
  testTimeout: 20000,
};
