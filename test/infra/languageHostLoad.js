// Loads the Pulumi program the way @pulumi/pulumi's Node language host does for a TypeScript
// project (cmd/run/run.js, CommonJS path): the SDK's own tsutils pick `typescript` and `ts-node`
// (the vendored ts-node when the project has none), the tsconfig's compilerOptions are spread over
// the host's defaults, and ts-node registers with type-checking unless the tsconfig sets noCheck.
// Then the program runs under the recording mocks and its outputs are printed as JSON.
'use strict';
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
process.chdir(root);
const tsutils = require('@pulumi/pulumi/tsutils');
const semver = require('semver');

const tsConfigPath = 'tsconfig.json';
const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
const ts = require(typescriptRequire);
const useNodeNext = semver.gte(ts.version, '4.7.0');
require(tsnodeRequire).register({
  compiler: typescriptRequire,
  transpileOnly: compilerOptions.noCheck,
  project: tsConfigPath,
  skipProject: false,
  compilerOptions: {
    target: 'ES2020',
    module: useNodeNext ? 'nodenext' : 'commonjs',
    moduleResolution: useNodeNext ? 'nodenext' : 'node',
    sourceMap: 'true',
    ...compilerOptions,
  },
});

const { runProgram } = require('../../infra/plan/recorder.ts');
const config = JSON.parse(process.argv[2]);
runProgram({ stack: process.argv[3] || 'dev', config }).then(
  (run) => {
    process.stdout.write(
      JSON.stringify({
        tsnode: tsnodeRequire,
        typescript: ts.version,
        outputs: run.outputs,
        resources: run.resources.length,
      }),
    );
  },
  (error) => {
    process.stderr.write(String(error && error.stack ? error.stack : error));
    process.exit(1);
  },
);
