import {
  BootstrapConfigError,
  parseBootstrapConfig,
  type BootstrapKey,
} from '../../bootstrap/config';
import { rolesByProject } from '../../bootstrap/roles';

const source = (values: Partial<Record<BootstrapKey, string>>) => ({
  get: (key: BootstrapKey) => values[key],
});
const BASE = { project: 'acme-cx-dev', githubRepository: 'acme/cx-webhooks' };

describe('parseBootstrapConfig', () => {
  it('fills in defaults from the stage', () => {
    const config = parseBootstrapConfig(source(BASE), 'prod');
    expect(config).toEqual({
      stage: 'prod',
      project: 'acme-cx-dev',
      agentProject: 'acme-cx-dev',
      region: 'us-central1',
      githubRepository: 'acme/cx-webhooks',
      githubRepositoryId: undefined,
      deployEnvironment: 'prod',
      previewEnvironment: 'prod-preview',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('takes every key it documents', () => {
    const values = {
      ...BASE,
      agentProject: 'acme-cx-agents',
      region: 'europe-west1',
      githubRepositoryId: '987654321',
      deployEnvironment: 'production',
      previewEnvironment: 'production-plan',
    };
    expect(parseBootstrapConfig(source(values), 'prod')).toEqual({ stage: 'prod', ...values });
  });

  it.each<[string, Partial<Record<BootstrapKey, string>>, string, string]>([
    [
      'no project',
      { githubRepository: 'acme/x' },
      'dev',
      "cx-webhook-kit-bootstrap:project is required: the stage's webhook project, e.g. pulumi config set project acme-cx-dev",
    ],
    [
      'no repository',
      { project: 'acme-cx-dev' },
      'dev',
      'cx-webhook-kit-bootstrap:githubRepository is required: the repository whose workflows deploy, e.g. acme/cx-webhooks',
    ],
    [
      'a repository URL',
      { ...BASE, githubRepository: 'https://github.com/acme/cx-webhooks' },
      'dev',
      'cx-webhook-kit-bootstrap:githubRepository must be owner/name of a GitHub repository, got "https://github.com/acme/cx-webhooks"',
    ],
    [
      'a repository that would break out of the condition',
      { ...BASE, githubRepository: "acme/x' || true || '" },
      'dev',
      'cx-webhook-kit-bootstrap:githubRepository must be owner/name of a GitHub repository, got "acme/x\' || true || \'"',
    ],
    [
      'an environment with a quote',
      { ...BASE, deployEnvironment: "prod' || 'x" },
      'prod',
      'cx-webhook-kit-bootstrap:deployEnvironment must be a GitHub environment name, got "prod\' || \'x"',
    ],
    [
      'a repository ID that is a name',
      { ...BASE, githubRepositoryId: 'acme/x' },
      'prod',
      'cx-webhook-kit-bootstrap:githubRepositoryId must be the repository\'s numeric ID (gh api repos/OWNER/NAME --jq .id), got "acme/x"',
    ],
    [
      'previews in the deploy environment',
      { ...BASE, previewEnvironment: 'prod' },
      'prod',
      'cx-webhook-kit-bootstrap:previewEnvironment must differ from deployEnvironment ("prod"): previews must not get the deployer',
    ],
    [
      'a bad project ID',
      { ...BASE, agentProject: 'Acme' },
      'dev',
      'cx-webhook-kit-bootstrap:agentProject must be a Google Cloud project ID (6–30 lowercase letters, digits, hyphens), got "Acme"',
    ],
    [
      'a stack name too long for the pool ID',
      BASE,
      'production-europe-west',
      'cx-webhook-kit-bootstrap: the stack name "production-europe-west" must be 1–17 lowercase letters, digits or hyphens, starting with a letter',
    ],
  ])('refuses %s, naming the key and the fix', (_name, values, stage, message) => {
    expect(() => parseBootstrapConfig(source(values), stage)).toThrow(message);
  });

  it('raises BootstrapConfigError for a key', () => {
    expect(() => parseBootstrapConfig(source({}), 'dev')).toThrow(BootstrapConfigError);
  });
});

describe('rolesByProject', () => {
  const roles = {
    webhookProject: ['roles/a', 'roles/shared'],
    agentProject: ['roles/shared', 'roles/b'],
  };

  it('grants each project its roles', () => {
    expect([...rolesByProject(roles, 'hooks', 'agents')]).toEqual([
      ['hooks', ['roles/a', 'roles/shared']],
      ['agents', ['roles/shared', 'roles/b']],
    ]);
  });

  it('merges both lists without repeats when one project hosts both', () => {
    expect([...rolesByProject(roles, 'one', 'one')]).toEqual([
      ['one', ['roles/a', 'roles/shared', 'roles/b']],
    ]);
  });
});
