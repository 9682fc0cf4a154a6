import { parseBootstrapConfig, type BootstrapKey, type DeployEvent } from '../../bootstrap/config';
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
      deployWorkflow: 'deploy-prod.yml',
      deployEvents: ['push', 'workflow_dispatch'],
      deployRefs: ['refs/heads/main'],
      previewEnvironment: 'prod-preview',
      previewWorkflow: 'pull-request.yml',
      stateBucket: 'acme-cx-dev-cx-webhook-kit-prod-state',
      grantableRoles: [],
    });
    expect(Object.isFrozen(config)).toBe(true);
    // Typed as the events the key admits, not any string.
    expect<readonly DeployEvent[]>(config.deployEvents).toEqual(['push', 'workflow_dispatch']);
  });

  it('takes every key it documents', () => {
    const values = {
      ...BASE,
      agentProject: 'acme-cx-agents',
      region: 'europe-west1',
      githubRepositoryId: '987654321',
      deployEnvironment: 'production',
      deployWorkflow: 'release.yaml',
      previewEnvironment: 'production-plan',
      previewWorkflow: 'plan.yml',
      stateBucket: 'acme_state-1',
    };
    const lists = {
      deployEvents: ['release', 'workflow_dispatch'],
      deployRefs: ['refs/heads/main', 'refs/tags/v*'],
      grantableRoles: ['roles/datastore.user'],
    };
    const listed = Object.fromEntries(
      Object.entries(lists).map(([k, v]) => [k, JSON.stringify(v)]),
    );
    expect(parseBootstrapConfig(source({ ...values, ...listed }), 'prod')).toEqual({
      stage: 'prod',
      ...values,
      ...lists,
    });
  });

  it('asks for a state bucket name when the derived one would exceed 63 characters', () => {
    const project = 'acme-conversational-hooks-prod'; // 30 characters, the longest project ID
    expect(() => parseBootstrapConfig(source({ ...BASE, project }), 'production-eu')).toThrow(
      'cx-webhook-kit-bootstrap:stateBucket is required here: the default "acme-conversational-hooks-prod-cx-webhook-kit-production-eu-state" has 65 characters and Cloud Storage allows 63. Set a globally unique name: pulumi config set stateBucket <name>',
    );
    expect(
      parseBootstrapConfig(
        source({ ...BASE, project, stateBucket: 'acme-prod-eu-state' }),
        'production-eu',
      ).stateBucket,
    ).toBe('acme-prod-eu-state');
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
      'a pull request ref to deploy from',
      { ...BASE, deployRefs: '["refs/heads/main", "refs/pull/*"]' },
      'dev',
      'cx-webhook-kit-bootstrap:deployRefs must be a list of branch or tag refs such as refs/heads/main or refs/tags/v* (a trailing * matches a prefix), got ["refs/heads/main", "refs/pull/*"]',
    ],
    [
      'a ref that would break out of the condition',
      { ...BASE, deployRefs: `["refs/heads/main' || true || '"]` },
      'dev',
      'cx-webhook-kit-bootstrap:deployRefs must be a list of branch or tag refs',
    ],
    [
      'a bare branch name as deployRefs',
      { ...BASE, deployRefs: 'main' },
      'dev',
      'cx-webhook-kit-bootstrap:deployRefs must be a list of branch or tag refs',
    ],
    [
      'pull requests among the deploy events',
      { ...BASE, deployEvents: '["push", "pull_request_target"]' },
      'dev',
      'cx-webhook-kit-bootstrap:deployEvents must be a list of events out of push, release, workflow_dispatch (a pull request runs code nobody reviewed yet), got ["push", "pull_request_target"]',
    ],
    [
      'a workflow path instead of its file name',
      { ...BASE, deployWorkflow: '.github/workflows/deploy.yml' },
      'dev',
      'cx-webhook-kit-bootstrap:deployWorkflow must be a workflow file name in .github/workflows, such as deploy-dev.yml, got ".github/workflows/deploy.yml"',
    ],
    [
      'a bucket name with capitals',
      { ...BASE, stateBucket: 'Acme-State' },
      'dev',
      'cx-webhook-kit-bootstrap:stateBucket must be a bucket name of 3–63 lowercase letters, digits, - and _, got "Acme-State"',
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
