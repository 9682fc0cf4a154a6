// Loads a Pulumi TypeScript project the way @pulumi/pulumi's Node language host does
// (cmd/run/run.js, CommonJS path), from the project's directory: the `main` its Pulumi.yaml names,
// tsconfig.json there if it has one (else ts-node skips the project), the host's compiler defaults
// with the tsconfig's compilerOptions spread over them, `typescript` and `ts-node` as the SDK's
// tsutils pick them (the vendored ts-node when the project has none), type-checking on unless the
// tsconfig sets noCheck. Then it runs the program under mocks and prints as JSON the names it
// exports, its outputs (undefined ones left out) and how many resources it registered.
//
//   node languageHostLoad.js <project dir> <stack> <config JSON> [<mocks module>#<class>]
//
// Without a mocks module every resource echoes its inputs and every invoke answers {}.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const yaml = require('js-yaml');

const [projectDir, stack, configJson, mocksSpec] = process.argv.slice(2);
process.chdir(path.resolve(projectDir));
const project = yaml.load(fs.readFileSync('Pulumi.yaml', 'utf8'));
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

function mocks() {
  if (!mocksSpec) {
    return {
      newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
      call: () => ({}),
    };
  }
  const [file, name] = mocksSpec.split('#');
  return new (require(path.resolve(file))[name])();
}

const pulumi = require('@pulumi/pulumi');
const inner = mocks();
let resources = 0;
const counting = {
  newResource: (args) => {
    if (args.custom) resources++;
    return inner.newResource(args);
  },
  call: (args) => inner.call(args),
};

async function main() {
  pulumi.runtime.setAllConfig(JSON.parse(configJson));
  await pulumi.runtime.setMocks(counting, project.name, stack, false);
  const program = require(path.resolve(project.main ?? 'index.ts'));
  const outputs = await new Promise((resolve) => pulumi.all(program).apply(resolve));
  // Registrations run asynchronously; wait until the count stops moving.
  for (let settled = 0, before = -1; settled < 5;) {
    await new Promise((r) => setTimeout(r, 10));
    settled = resources === before ? settled + 1 : 0;
    before = resources;
  }
  process.stdout.write(
    JSON.stringify({
      tsnode: tsnodeRequire,
      typescript: ts.version,
      exports: Object.keys(program),
      outputs,
      resources,
    }),
  );
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
});
