/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Slow suites (load, full-count fuzzing, language hosts, multi-stack program runs) are named
  // *.slow.test.ts and run with `npm run test:slow` (jest.slow.config.js).
  testPathIgnorePatterns: ['/node_modules/', '\\.slow\\.test\\.ts$'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // Jest's default on 2 cores is one worker, which runs everything in band; many suites wait on
  // timers and child processes, so a worker per core keeps both busy.
  maxWorkers: '100%',
  testTimeout: 20000,
};
