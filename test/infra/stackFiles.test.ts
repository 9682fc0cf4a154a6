import { load } from 'js-yaml';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_KEYS, SECRET_KEYS } from '../../infra/config';
import { readProjectConfig } from '../../infra/plan/pulumiConfigRules';
import { readStackConfig, stackConfigFrom } from '../../infra/plan/stackConfig';
import { docSection } from '../helpers/docs';
import { MINIMAL_STACKS } from '../helpers/infra';

// The Pulumi CLI checks a stack's config against Pulumi.yaml before any program runs
// (pulumi/pulumi sdk/go/common/workspace/config.go, mergeConfig and validateStackConfigValue at
// v3.248.0; the rules are in infra/plan/pulumiConfigRules.ts and tested against the CLI's own
// tests). These tests apply those rules to every committed stack and to the smallest stacks
// docs/configuration.md allows.

const ROOT = join(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const yaml = (file: string) => load(readFileSync(join(ROOT, file), 'utf8')) as Record<string, any>;
const project = yaml('Pulumi.yaml');
const readProject = () =>
  readProjectConfig(project.name as string, project.config as Record<string, unknown>);
const declarations = readProject();
const ours = Object.keys(declarations).filter((k) => !k.includes(':'));
/** The only key every stack must set, so the only one declared without a default. */
const REQUIRED = ['webhookProject'];

describe('Pulumi.yaml', () => {
  it('names the project, the Node.js runtime and the program entry', () => {
    expect(project).toEqual(
      expect.objectContaining({ name: 'cx-webhook-kit', main: 'infra/index.ts' }),
    );
    expect(project.runtime.name).toBe('nodejs');
  });

  it('passes the CLI’s own project checks (Project.Validate, project.json)', () => {
    expect(readProject).not.toThrow();
  });

  it('declares a key only with a fixed default, or when every stack must set it', () => {
    for (const key of ours) {
      const decl = declarations[key];
      expect([key, typeof decl.type, typeof decl.description]).toEqual([key, 'string', 'string']);
      expect([key, decl.default !== undefined || REQUIRED.includes(key)]).toEqual([key, true]);
      expect(CONFIG_KEYS).toContain(key);
    }
    expect(ours).toEqual(expect.arrayContaining(REQUIRED));
  });

  it('never declares a secret key, which no stack could then leave unset', () => {
    for (const key of SECRET_KEYS) expect(ours).not.toContain(key);
  });

  it('documents every key it does not declare (docs/configuration.md)', () => {
    const deploy = docSection('The stack config');
    for (const key of CONFIG_KEYS.filter((k) => !ours.includes(k))) {
      expect([key, deploy.includes(`\`${key}\``)]).toEqual([key, true]);
    }
  });

  it('turns off the default gcp provider in the form the engine reads (a JSON list of names)', () => {
    // The nested `value:` form is the declaration of a key outside the project's namespace
    // (Project.Validate); the engine parses the value as a JSON array of package names and denies a
    // default provider for each (pkg/resource/deploy/default_providers.go, shouldDenyRequest).
    expect(project.config['pulumi:disable-default-providers']).toEqual({ value: ['gcp'] });
    const { config } = stackConfigFrom('any', {
      config: MINIMAL_STACKS['dev with a created agent'].config,
    });
    expect(JSON.parse(config['pulumi:disable-default-providers'])).toEqual(['gcp']);
  });
});

const stacks = readdirSync(ROOT).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f));

describe.each(stacks)("the CLI's stack rules on the committed %s", (file) => {
  const stack = /^Pulumi\.([^.]+)\.yaml$/.exec(file)?.[1] as string;

  it('is accepted: nothing required is missing, every typed value has its type', () => {
    expect(() => readStackConfig(stack)).not.toThrow();
  });

  it('sets only keys of this program, and no secret in plain text', () => {
    for (const [key, value] of Object.entries(
      (yaml(file).config ?? {}) as Record<string, unknown>,
    )) {
      const [namespace, name] = key.split(':');
      expect([key, namespace]).toEqual([key, 'cx-webhook-kit']);
      expect(CONFIG_KEYS).toContain(name);
      if ((SECRET_KEYS as readonly string[]).includes(name)) {
        expect(value).toEqual({ secure: expect.any(String) });
      }
    }
  });
});

describe("the CLI's stack rules on the smallest stacks the docs allow", () => {
  it.each(Object.entries(MINIMAL_STACKS))('accepts %s', (_name, { stack, config }) => {
    const { config: merged } = stackConfigFrom(stack, { config });
    expect(merged['cx-webhook-kit:region']).toBe('us-central1');
    expect(merged['cx-webhook-kit:smokeFlow']).toBe('true');
  });

  it('refuses a stack without webhookProject, in the CLI’s words', () => {
    expect(() =>
      stackConfigFrom('dev', { config: { 'cx-webhook-kit:createAgent': true } }),
    ).toThrow("Stack 'dev' is missing configuration value 'webhookProject'");
  });

  it('refuses a typed value of the wrong type, in the CLI’s words', () => {
    expect(() =>
      stackConfigFrom('dev', {
        config: {
          'cx-webhook-kit:webhookProject': 'acme-cx-dev',
          'cx-webhook-kit:serviceEnv': 'A=1',
        },
      }),
    ).toThrow("Stack 'dev' with configuration key 'serviceEnv' must be of type 'object'");
  });

  it('finds the committed stack files, whatever their names', () => {
    expect(stacks.length).toBeGreaterThan(0);
  });
});
