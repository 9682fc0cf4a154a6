import { DEPLOYER_ROLES, PREVIEWER_ROLES } from '../../bootstrap/roles';
import { readStackConfig } from '../../infra/plan/stackConfig';
import { BOOTSTRAP_DIR, fixtureStack, stackNames } from '../helpers/infra';
import { runBootstrap, type BootstrapResource, type BootstrapRun } from './run';

// Each isolated Pulumi runtime adds a process 'exit' hook; this suite starts several.
process.setMaxListeners(50);

const POOL = 'gcp:iam/workloadIdentityPool:WorkloadIdentityPool';
const PROVIDER = 'gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider';
const ACCOUNT = 'gcp:serviceaccount/account:Account';
const ACCOUNT_IAM = 'gcp:serviceaccount/iAMMember:IAMMember';
const PROJECT_IAM = 'gcp:projects/iAMMember:IAMMember';
const BUCKET = 'gcp:storage/bucket:Bucket';
const BUCKET_IAM = 'gcp:storage/bucketIAMMember:BucketIAMMember';
const KEY_RING = 'gcp:kms/keyRing:KeyRing';
const KEY = 'gcp:kms/cryptoKey:CryptoKey';
const KEY_IAM = 'gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember';

const setting = (config: Record<string, string>, key: string) =>
  config[`cx-webhook-kit-bootstrap:${key}`];
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The fixture stacks (test/fixtures/stacks/bootstrap): one project for dev, two for prod. */
const STAGES = ['dev', 'prod'].map((stack) => {
  const { config } = fixtureStack(stack, 'bootstrap');
  const project = setting(config, 'project');
  return {
    stack,
    project,
    agentProject: setting(config, 'agentProject') ?? project,
    repository: setting(config, 'githubRepository'),
  };
});

const ofType = (run: BootstrapRun, type: string) => run.resources.filter((r) => r.type === type);
function only(run: BootstrapRun, type: string, name?: string): BootstrapResource {
  const found = ofType(run, type).filter((r) => name === undefined || r.name === name);
  if (found.length !== 1)
    throw new Error(`expected one ${type} ${name ?? ''}, got ${found.length}`);
  return found[0];
}
const account = (run: BootstrapRun, name: 'deployer' | 'previewer') => only(run, ACCOUNT, name);
const memberOf = (a: BootstrapResource) =>
  `serviceAccount:${a.inputs.accountId}@${a.inputs.project}.iam.gserviceaccount.com`;

describe.each(STAGES)(
  'the bootstrap program, $stack stage',
  ({ stack, project, agentProject, repository }) => {
    let run: BootstrapRun;
    beforeAll(async () => {
      run = await runBootstrap(stack);
    }, 60_000);

    it('the provider accepts only this repository, and only its deploy and preview jobs', () => {
      const provider = only(run, PROVIDER);
      expect(provider.inputs.oidc).toEqual({
        issuerUri: 'https://token.actions.githubusercontent.com',
      });
      // Which tokens this admits and refuses is proven against a CEL evaluator in admission.test.ts.
      const condition = provider.inputs.attributeCondition as string;
      expect(condition).toMatch(
        new RegExp(`^assertion\\.repository\\.lowerAscii\\(\\) == '${escaped(repository.toLowerCase())}' && \\(`),
      );
      expect(condition).toContain(`(assertion.environment == '${stack}' && `);
      expect(condition).toContain(`(assertion.environment == '${stack}-preview' && `);
      // Every attribute the bindings use is mapped from the token.
      expect(provider.inputs.attributeMapping).toEqual(
        expect.objectContaining({
          'google.subject': 'assertion.sub',
          'attribute.environment': 'assertion.environment',
          'attribute.repository': 'assertion.repository',
        }),
      );
      expect(only(run, POOL).inputs.project).toBe(project);
    });

    it('the deployer can be acted as only from the deploy environment, the previewer only from the preview one', () => {
      const pool = `projects/\\d{12}/locations/global/workloadIdentityPools/cx-webhook-kit-${stack}`;
      const grants = ofType(run, ACCOUNT_IAM);
      expect(grants.map((g) => g.name).sort()).toEqual([
        'deployer-federation',
        'previewer-federation',
      ]);
      for (const [who, environment] of [
        ['deployer', stack],
        ['previewer', `${stack}-preview`],
      ] as const) {
        const grant = only(run, ACCOUNT_IAM, `${who}-federation`);
        expect(grant.inputs.role).toBe('roles/iam.workloadIdentityUser');
        expect(grant.inputs.member).toMatch(
          new RegExp(
            `^principalSet://iam\\.googleapis\\.com/${pool}/attribute\\.environment/${environment}$`,
          ),
        );
        expect(grant.inputs.serviceAccountId).toBe(
          `projects/${project}/serviceAccounts/${account(run, who).inputs.accountId}@${project}.iam.gserviceaccount.com`,
        );
      }
    });

    it('the deployer holds exactly the listed roles in each project, nothing else', () => {
      const member = memberOf(account(run, 'deployer'));
      const granted = ofType(run, PROJECT_IAM)
        .filter((g) => g.inputs.member === member)
        .map((g) => `${g.inputs.project} ${g.inputs.role}`)
        .sort();
      const expected = [
        ...DEPLOYER_ROLES.webhookProject.map((role) => `${project} ${role}`),
        ...DEPLOYER_ROLES.agentProject.map((role) => `${agentProject} ${role}`),
      ];
      expect(granted).toEqual([...new Set(expected)].sort());
    });

    it('the previewer only reads: viewer in each project, state read, secrets decrypt', () => {
      const member = memberOf(account(run, 'previewer'));
      expect(
        ofType(run, PROJECT_IAM)
          .filter((g) => g.inputs.member === member)
          .map((g) => `${g.inputs.project} ${g.inputs.role}`)
          .sort(),
      ).toEqual(
        [...new Set([project, agentProject])]
          .flatMap((p) => PREVIEWER_ROLES.webhookProject.map((r) => `${p} ${r}`))
          .sort(),
      );
      expect(only(run, BUCKET_IAM, 'state-previewer').inputs).toEqual(
        expect.objectContaining({ role: 'roles/storage.objectViewer', member }),
      );
      expect(only(run, KEY_IAM, 'state-previewer').inputs).toEqual(
        expect.objectContaining({ role: 'roles/cloudkms.cryptoKeyDecrypter', member }),
      );
    });

    it('no service account key is created', () => {
      expect(run.resources.filter((r) => /serviceaccount\/key:Key$/i.test(r.type))).toEqual([]);
      expect(
        run.resources.some((r) => /privateKey|keyAlgorithm/.test(JSON.stringify(r.inputs))),
      ).toBe(false);
    });

    it('the state bucket is private, versioned and protected from deletion', () => {
      const bucket = only(run, BUCKET);
      expect(bucket.inputs).toEqual(
        expect.objectContaining({
          project,
          publicAccessPrevention: 'enforced',
          uniformBucketLevelAccess: true,
          versioning: { enabled: true },
        }),
      );
      expect(bucket.inputs.forceDestroy).not.toBe(true);
      expect(bucket.protect).toBe(true);
      // Only the two CI accounts get access to it.
      expect(
        ofType(run, BUCKET_IAM)
          .map((g) => [g.inputs.member as string, g.inputs.role as string])
          .sort(),
      ).toEqual(
        [
          [memberOf(account(run, 'deployer')), 'roles/storage.objectAdmin'],
          [memberOf(account(run, 'previewer')), 'roles/storage.objectViewer'],
        ].sort(),
      );
    });

    it('the secrets key is a protected, rotated Cloud KMS key only the CI accounts use', () => {
      const key = only(run, KEY);
      expect(key.protect).toBe(true);
      expect(only(run, KEY_RING).protect).toBe(true);
      expect(key.inputs.purpose).toBe('ENCRYPT_DECRYPT');
      expect(key.inputs.rotationPeriod).toBe('7776000s');
      expect(only(run, KEY_IAM, 'state-deployer').inputs).toEqual(
        expect.objectContaining({
          role: 'roles/cloudkms.cryptoKeyEncrypterDecrypter',
          member: memberOf(account(run, 'deployer')),
        }),
      );
      expect(ofType(run, KEY_IAM)).toHaveLength(2);
    });

    it('must not grant allUsers or allAuthenticatedUsers anything', () => {
      expect(JSON.stringify(run.resources.map((r) => r.inputs))).not.toMatch(
        /allUsers|allAuthenticatedUsers/,
      );
    });

    it('outputs what the workflows need: provider, accounts, backend and secrets provider', () => {
      const { outputs } = run;
      expect(outputs.workloadIdentityProvider).toMatch(
        new RegExp(
          `^projects/\\d{12}/locations/global/workloadIdentityPools/cx-webhook-kit-${stack}/providers/github$`,
        ),
      );
      expect(outputs.backendUrl).toBe(`gs://${project}-cx-webhook-kit-${stack}-state`);
      expect(outputs.secretsProvider).toBe(
        `gcpkms://projects/${project}/locations/us-central1/keyRings/cx-webhook-kit-${stack}/cryptoKeys/pulumi-secrets`,
      );
      expect(outputs.githubEnvironments).toEqual({
        [stack]: {
          GCP_WORKLOAD_IDENTITY_PROVIDER: outputs.workloadIdentityProvider,
          GCP_SERVICE_ACCOUNT: outputs.deployerServiceAccount,
          PULUMI_BACKEND_URL: outputs.backendUrl,
          PULUMI_SECRETS_PROVIDER: outputs.secretsProvider,
        },
        [`${stack}-preview`]: {
          GCP_WORKLOAD_IDENTITY_PROVIDER: outputs.workloadIdentityProvider,
          GCP_SERVICE_ACCOUNT: outputs.previewerServiceAccount,
          PULUMI_BACKEND_URL: outputs.backendUrl,
        },
      });
    });

    it('every resource uses the explicit provider, never a default one', () => {
      for (const r of run.resources.filter((x) => x.type.startsWith('gcp:'))) {
        expect(r.provider).toMatch(/::pulumi:providers:gcp::bootstrap::/);
      }
    });
  },
);

describe('the bootstrap program with a pinned repository ID', () => {
  it('admits only tokens of that repository ID as well', async () => {
    const run = await runBootstrap('prod', { githubRepositoryId: '123456789' });
    expect(only(run, PROVIDER).inputs.attributeCondition).toMatch(
      new RegExp(
        `^assertion\\.repository\\.lowerAscii\\(\\) == '${escaped(STAGES[1].repository.toLowerCase())}' && assertion\\.repository_id == '123456789' && \\(`,
      ),
    );
  }, 60_000);
});

describe.each(stackNames(BOOTSTRAP_DIR))('the committed bootstrap/Pulumi.%s.yaml', (stack) => {
  it('runs, and admits only the repository it names, to its own environments', async () => {
    const run = await runBootstrap(stack, {}, 'committed');
    const { config } = readStackConfig(stack, BOOTSTRAP_DIR);
    const condition = only(run, PROVIDER).inputs.attributeCondition as string;
    expect(condition).toMatch(
      new RegExp(
        `^assertion\\.repository\\.lowerAscii\\(\\) == '${escaped(setting(config, 'githubRepository').toLowerCase())}' && \\(`,
      ),
    );
    expect(only(run, POOL).inputs.project).toBe(setting(config, 'project'));
  }, 60_000);
});
