// One-time set-up of a stage's continuous delivery: the keyless identity GitHub Actions deploys
// and previews with, and the bucket and key that hold the stage's Pulumi state and secrets.
// Run once per stage by someone who can grant these roles (docs/ci.md, One-time bootstrap).
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { GithubIdentityPool } from './components/githubIdentityPool';
import { CiAccount } from './components/ciAccount';
import { StateBackend } from './components/stateBackend';
import { parseBootstrapConfig } from './config';
import { propagationWait, WAIT_AFTER_ENABLING } from '../infra/propagationWait';
import {
  DEPLOYER_ROLES,
  deployerConditions,
  PREVIEWER_ROLES,
  rolesByProject,
  type IamCondition,
  type ProjectRoles,
} from './roles';

// The stack's config, in the project's namespace (cx-webhook-kit-bootstrap).
const config = parseBootstrapConfig(new pulumi.Config(), pulumi.getStack());
const { project, stage } = config;
const provider = new gcp.Provider('bootstrap', { project, region: config.region });

// The APIs federation, impersonation, state and secrets need in the stage's project.
const apis = ['iam', 'iamcredentials', 'sts', 'cloudkms', 'storage', 'cloudresourcemanager'].map(
  (api) =>
    new gcp.projects.Service(
      `api-${api}`,
      { project, service: `${api}.googleapis.com`, disableOnDestroy: false },
      { provider },
    ),
);
// As the main program does: what uses a just-enabled API waits a while (infra/propagationWait.ts).
const afterApis = {
  provider,
  dependsOn: [propagationWait('apis-propagation', WAIT_AFTER_ENABLING, apis)],
};

const pool = new GithubIdentityPool(
  'github',
  {
    project,
    stage,
    repository: config.githubRepository,
    repositoryId: config.githubRepositoryId,
    jobs: [
      {
        environment: config.deployEnvironment,
        workflow: config.deployWorkflow,
        events: config.deployEvents,
        refs: config.deployRefs,
      },
      // GitHub runs a pull request's workflow on refs/pull/<number>/merge.
      {
        environment: config.previewEnvironment,
        workflow: config.previewWorkflow,
        events: ['pull_request'],
        refs: ['refs/pull/*'],
      },
    ],
  },
  afterApis,
);

/** A CI account that only the admitted job of one GitHub environment can act as. */
const ciAccount = (
  name: 'deployer' | 'previewer',
  command: 'up' | 'preview',
  environment: string,
  roles: ProjectRoles,
  conditions?: Readonly<Record<string, IamCondition>>,
) =>
  new CiAccount(
    name,
    {
      project,
      accountId: `cx-${name === 'deployer' ? 'deploy' : 'preview'}-${stage}`,
      description: `Runs pulumi ${command} for the ${stage} stack from GitHub environment ${environment}`,
      roles: rolesByProject(roles, project, config.agentProject),
      conditions,
      impersonator: pool.environmentMember(environment),
    },
    afterApis,
  );
const deployer = ciAccount(
  'deployer',
  'up',
  config.deployEnvironment,
  DEPLOYER_ROLES,
  deployerConditions(config),
);
const previewer = ciAccount('previewer', 'preview', config.previewEnvironment, PREVIEWER_ROLES);

const state = new StateBackend(
  'state',
  {
    project,
    region: config.region,
    stage,
    bucketName: config.stateBucket,
    writers: { deployer: deployer.member },
    readers: { previewer: previewer.member },
  },
  afterApis,
);

export const workloadIdentityProvider = pool.providerName;
export const deployerServiceAccount = deployer.email;
export const previewerServiceAccount = previewer.email;
export const backendUrl = state.backendUrl;
export const secretsProvider = state.secretsProvider;
/** The variables each GitHub environment needs, for `gh variable set --env`. */
const variables = (account: CiAccount) => ({
  GCP_WORKLOAD_IDENTITY_PROVIDER: pool.providerName,
  GCP_SERVICE_ACCOUNT: account.email,
  PULUMI_BACKEND_URL: state.backendUrl,
});
export const githubEnvironments = {
  // The deploy workflow creates the stack with it on its first run (pulumi/actions `upsert`).
  [config.deployEnvironment]: { ...variables(deployer), PULUMI_SECRETS_PROVIDER: secretsProvider },
  [config.previewEnvironment]: variables(previewer),
};
