// Shared jest settings: TypeScript through ts-jest (transpile only; `tsc` typechecks separately) and
// workspace packages resolved to their sources, so tests never depend on a stale build.
const path = require('node:path');

/** @param {string} packageDir */
module.exports = function jestConfig(packageDir, overrides = {}) {
  return {
    rootDir: packageDir,
    testEnvironment: 'node',
    setupFiles: [path.join(__dirname, 'jest.env.cjs')],
    testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
    transform: {
      '^.+\\.tsx?$': [require.resolve('ts-jest'), { tsconfig: { isolatedModules: true, module: 'commonjs', target: 'ES2022', esModuleInterop: true, sourceMap: true } }],
    },
    moduleNameMapper: {
      '^@mlps/timeseries$': path.join(__dirname, 'packages/timeseries/src/index.ts'),
      '^@mlps/timeseries/(report|export|live|engine)$': path.join(__dirname, 'packages/timeseries/src/$1/index.ts'),
      '^@mlps/multihost$': path.join(__dirname, 'packages/multihost/src/index.ts'),
      '^@mlps/benchmark$': path.join(__dirname, 'packages/benchmark/src/index.ts'),
      '^@mlps/benchmark/engines$': path.join(__dirname, 'packages/benchmark/src/engines/index.ts'),
    },
    testTimeout: 30000,
    // A failed assertion can leave a socket or child open; the run must still end (CI has a time limit).
    forceExit: true,
    ...overrides,
  };
};
