// Loads bootstrap/index.ts the way @pulumi/pulumi's Node language host loads a TypeScript program
// (cmd/run/run.js, CommonJS path), from the bootstrap project's own directory: tsconfig.json there
// if it has one (else ts-node skips the project), the host's compiler defaults, `typescript` and
// `ts-node` as the SDK's tsutils pick them, type-checking on. Then it runs under permissive mocks
// and prints the exported output names.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

process.chdir(path.join(__dirname, '..', '..', 'bootstrap'));
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
  skipProject: !fs.existsSync(tsConfigPath),
  compilerOptions: {
    target: 'ES2020',
    module: useNodeNext ? 'nodenext' : 'commonjs',
    moduleResolution: useNodeNext ? 'nodenext' : 'node',
    sourceMap: 'true',
    ...compilerOptions,
  },
});

const pulumi = require('@pulumi/pulumi');
pulumi.runtime.setAllConfig(JSON.parse(process.argv[2]));
pulumi.runtime
  .setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
      call: () => ({}),
    },
    'cx-webhook-kit-bootstrap',
    process.argv[3],
    false,
  )
  .then(() => {
    const program = require(path.join(process.cwd(), 'index.ts'));
    process.stdout.write(JSON.stringify({ typescript: ts.version, outputs: Object.keys(program) }));
  })
  .catch((error) => {
    process.stderr.write(String(error && error.stack ? error.stack : error));
    process.exit(1);
  });
