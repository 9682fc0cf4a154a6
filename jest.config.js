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
  setupFiles: ['<rootDir>/test/jest.setup.ts'],
  // One worker per core (jest's default is one fewer, which on 2 cores runs everything in band);
  // more would only make the suites compete for the cores.
  maxWorkers: availableParallelism(),
  testTimeout: 20000,
};
