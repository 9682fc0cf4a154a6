import { load } from 'js-yaml';
import {
  mergeStackConfig,
  readProjectConfig,
  readStackFile,
  toStackValue,
  validateConfigValue,
} from '../../../infra/plan/pulumiConfigRules';

// The Pulumi CLI's own tests, replayed against our reading of its rules: each case names the Go
// test in pulumi/pulumi sdk/go/common/workspace/project_test.go (v3.248.0) it mirrors, with the
// project and stack YAML from that test and the outcome it asserts.

type Yaml = Record<string, unknown>;

function run(projectYaml: string, stackYaml: string, stack = 'dev') {
  const project = load(projectYaml) as { name: string; config?: Yaml };
  const declarations = readProjectConfig(project.name, project.config);
  const stackFile = (load(stackYaml) ?? {}) as { config?: Yaml };
  const merged = mergeStackConfig(
    stack,
    project.name,
    declarations,
    readStackFile(project.name, stackFile.config),
  );
  return Object.fromEntries([...merged].map(([k, v]) => [k, v.value]));
}

const project = (config: string) => `name: test\nruntime: dotnet\nconfig:\n${config}`;

describe("the Pulumi CLI's stack config rules (mergeConfig, validateStackConfigValue)", () => {
  it('TestStackConfigIsInheritedFromProjectConfig: shorthand values are defaults a stack may override', () => {
    expect(
      run(
        project('  instanceSize: t3.micro\n  instanceCount: 20\n  protect: true'),
        'config:\n  test:instanceSize: t4.large',
      ),
    ).toEqual({
      'test:instanceSize': 't4.large',
      'test:instanceCount': '20',
      'test:protect': 'true',
    });
  });

  it("TestNamespacedConfigValuesAreInheritedCorrectly: another namespace's shorthand is a value", () => {
    expect(
      run(
        project(
          '  aws:region: us-west-1\n  pulumi:disable-default-providers: ["*"]\n  instanceSize: t3.micro',
        ),
        'config:\n  test:instanceSize: t4.large',
      ),
    ).toEqual({
      'test:instanceSize': 't4.large',
      'aws:region': 'us-west-1',
      'pulumi:disable-default-providers': '["*"]',
    });
  });

  it('TestLoadingStackConfigWithoutNamespacingTheProject: bare stack keys are the project’s', () => {
    expect(
      run(
        project('  aws:region: us-west-1\n  instanceSize: t3.micro'),
        'config:\n  instanceSize: t4.large',
      ),
    ).toEqual({ 'test:instanceSize': 't4.large', 'aws:region': 'us-west-1' });
  });

  it('TestUntypedProjectConfigValuesAreNotValidated', () => {
    expect(
      run(
        project('  instanceSize: t3.micro\n  aws:region: us-west-1'),
        'config:\n  instanceSize: 9999\n  aws:region: 42',
      ),
    ).toEqual({ 'test:instanceSize': '9999', 'aws:region': '42' });
  });

  it('TestUntypedStackConfigValuesDoNeedProjectDeclaration: undeclared keys in the namespace pass', () => {
    expect(run(project('  createVpc: true'), 'config:\n  instanceSize: 42')).toEqual({
      'test:instanceSize': '42',
      'test:createVpc': 'true',
    });
  });

  it('TestStackConfigErrorsWhenMissingStackValueForConfigTypeWithNoDefault', () => {
    expect(() =>
      run(project('  values:\n    type: array\n    items:\n      type: string'), ''),
    ).toThrow("Stack 'dev' is missing configuration value 'values'");
  });

  it('TestStackConfigErrorsWhenMissingTwoStackValueForConfigTypeWithNoDefault', () => {
    expect(() =>
      run(
        project(
          '  another:\n    type: string\n  values:\n    type: array\n    items:\n      type: string',
        ),
        '',
      ),
    ).toThrow("Stack 'dev' is missing configuration values 'another' and 'values'");
  });

  it('TestStackConfigErrorsWhenMissingMultipleStackValueForConfigTypeWithNoDefault', () => {
    expect(() =>
      run(
        project(
          '  hello:\n    type: integer\n  values:\n    type: array\n    items:\n      type: string\n  world:\n    type: string',
        ),
        '',
      ),
    ).toThrow("Stack 'dev' is missing configuration values 'hello', 'values' and 'world'");
  });

  it('TestStackConfigErrorsWhenStackValueIsNotCorrectlyTyped', () => {
    expect(() =>
      run(
        project('  values:\n    type: array\n    items:\n      type: string\n    default: [value]'),
        'config:\n  test:values: someValue',
      ),
    ).toThrow("Stack 'dev' with configuration key 'values' must be of type 'array<string>'");
  });

  it('TestStackConfigIntegerTypeIsCorrectlyValidated', () => {
    const p = project('  importantNumber:\n    type: integer');
    expect(run(p, 'config:\n  test:importantNumber: 20')).toEqual({ 'test:importantNumber': '20' });
    expect(() => run(p, 'config:\n  test:importantNumber: hello')).toThrow(
      "Stack 'dev' with configuration key 'importantNumber' must be of type 'integer'",
    );
  });

  it('TestStackConfigSecretIsCorrectlyValidated: a secret key must be stored encrypted', () => {
    const p = project('  importantNumber:\n    type: integer\n    secret: true');
    expect(() => run(p, 'config:\n  test:importantNumber:\n    secure: AAABAMBxyz')).not.toThrow();
    expect(() => run(p, 'config:\n  test:importantNumber: 20')).toThrow(
      "Stack 'dev' with configuration key 'importantNumber' must be encrypted as it's secret",
    );
  });

  it('a typed secret key with a default is refused wherever a stack leaves it unset (the default is plain)', () => {
    expect(() =>
      run(project('  token:\n    type: string\n    secret: true\n    default: x'), ''),
    ).toThrow("Stack 'dev' with configuration key 'token' must be encrypted as it's secret");
  });

  it('TestStackConfigDoesNotErrorWhenProjectHasNotDefinedConfig', () => {
    expect(run('name: test\nruntime: dotnet', 'config:\n  hello: 21\n  world: 42')).toEqual({
      'test:hello': '21',
      'test:world': '42',
    });
  });

  it('a typed object or array key takes a YAML map or list from the stack', () => {
    const p = project(
      '  env:\n    type: object\n    default: {}\n  roles:\n    type: array\n    items:\n      type: string\n    default: []',
    );
    expect(run(p, '')).toEqual({ 'test:env': '{}', 'test:roles': '[]' });
    expect(run(p, 'config:\n  test:env:\n    A: "1"\n  test:roles: [roles/x]')).toEqual({
      'test:env': '{"A":"1"}',
      'test:roles': '["roles/x"]',
    });
    expect(() => run(p, 'config:\n  test:env: A=1')).toThrow("key 'env' must be of type 'object'");
    expect(() => run(p, 'config:\n  test:roles: [1]')).toThrow(
      "key 'roles' must be of type 'array<string>'",
    );
  });
});

describe("the Pulumi CLI's project config rules (Project.Validate)", () => {
  const read = (config: string) => {
    const p = load(project(config)) as { name: string; config?: Yaml };
    return readProjectConfig(p.name, p.config);
  };

  it('TestNamespacedProjectConfigShouldNotBeExplicitlyTyped', () => {
    expect(() =>
      read('  aws:region:\n    type: string\n    value:\n      region: us-west-1'),
    ).toThrow(
      "Configuration key 'aws:region' is not namespaced by the project and should not define a type",
    );
  });

  it('TestProjectConfigCannotHaveBothValueAndDefault', () => {
    expect(() =>
      read('  instanceSize:\n    type: string\n    default: t3.micro\n    value: t4.large'),
    ).toThrow("project config 'instanceSize' cannot have both a 'default' and 'value' attribute");
  });

  it('TestProjectConfigCannotBeTypedArrayWithoutItems', () => {
    expect(() =>
      read('  instanceSize:\n    type: array\n    default: [t3.micro, t4.large]'),
    ).toThrow(
      "The configuration key 'instanceSize' declares an array but does not specify the underlying type via the 'items' attribute",
    );
  });

  it('TestNamespacedProjectConfigShouldNotBeProvideDefault', () => {
    expect(() => read('  aws:region:\n    default: us-west-1')).toThrow(
      "Did you mean to use the 'value' attribute instead of 'default'?",
    );
  });

  it('TestProjectValidationFailsForIncorrectDefaultValueType', () => {
    expect(() => read('  instanceSize:\n    type: integer\n    default: hello')).toThrow(
      "The default value specified for configuration key 'instanceSize' is not of the expected type 'integer'",
    );
  });

  it('a namespaced key needs a value, and the nested `value:` form of a list is one', () => {
    expect(() => read('  pulumi:disable-default-providers:\n    description: x')).toThrow(
      "Configuration key 'pulumi:disable-default-providers' is namespaced and must provide an attribute 'value'",
    );
    expect(read('  pulumi:disable-default-providers:\n    value:\n      - gcp')).toEqual({
      'pulumi:disable-default-providers': { value: ['gcp'] },
    });
  });

  it('refuses attributes the declaration schema (project.json) does not allow', () => {
    expect(() => read('  region:\n    type: string\n    defualt: x')).toThrow(
      "config.region: 'defualt' not allowed",
    );
    expect(() => read('  region:\n    type: text')).toThrow('config.region.type: must be one of');
  });
});

describe('ValidateConfigValue and how YAML becomes a config value', () => {
  it.each<[string, unknown, boolean]>([
    ['integer', 20, true],
    ['integer', 2.5, false],
    ['integer', '20', true],
    ['integer', '+20', true],
    ['integer', '2.0', false],
    ['integer', '99999999999999999999', false],
    ['boolean', 'true', true],
    ['boolean', 'yes', false],
    ['boolean', true, true],
    ['string', '1', true],
    ['string', {}, false],
    ['object', {}, true],
    ['object', [], false],
  ])('%s accepts %j: %s', (type, value, ok) => {
    expect(validateConfigValue(type, undefined, value)).toBe(ok);
  });

  it('reads scalars as text, maps and lists as JSON, and `secure:` as encrypted', () => {
    expect(toStackValue(5)).toEqual({ value: '5', secure: false, object: false });
    expect(toStackValue(false)).toEqual({ value: 'false', secure: false, object: false });
    expect(toStackValue({ secure: 'v1:abc' })).toEqual({
      value: 'v1:abc',
      secure: true,
      object: false,
    });
    expect(toStackValue({ a: { secure: 'v1:abc' } })).toEqual({
      value: '{"a":{"secure":"v1:abc"}}',
      secure: true,
      object: true,
    });
  });
});
