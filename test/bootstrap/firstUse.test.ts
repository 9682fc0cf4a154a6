import { celMethod, CelScalar, listType, mapType, run as evaluate } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { admissionCondition } from '../../bootstrap/components/githubIdentityPool';
import { parseBootstrapConfig } from '../../bootstrap/config';
import { deployerConditions } from '../../bootstrap/roles';
import { BUILD_ROLES } from '../../infra/components/buildAccount';
import { sourceBucketName } from '../../infra/names';
import { runBootstrap, type BootstrapResource, type BootstrapRun } from './run';

// The bootstrap on first use and the deployer's reach, each rule with its source. Conditions are
// evaluated as CEL, with IAM's two extensions modelled as Google documents them:
// `api.getAttribute(name, default)` and `list.hasOnly(list)` (cloud.google.com/iam/docs/
// setting-limits-on-granting-roles), and CEL's strings extension for `lowerAscii`.

const SLEEP = 'time:index/sleep:Sleep';
const SERVICE = 'gcp:projects/service:Service';
const ACCOUNT = 'gcp:serviceaccount/account:Account';
const PROJECT_IAM = 'gcp:projects/iAMMember:IAMMember';

type Api = Map<string, unknown>;
const getAttribute = celMethod(
  'getAttribute',
  mapType(CelScalar.STRING, CelScalar.DYN),
  [CelScalar.STRING, listType(CelScalar.DYN)],
  CelScalar.DYN,
  function (this: unknown, key: string, fallback: unknown) {
    return ((this as Api).get(key) ?? fallback) as string[];
  },
);
const hasOnly = celMethod(
  'hasOnly',
  listType(CelScalar.DYN),
  [listType(CelScalar.DYN)],
  CelScalar.BOOL,
  function (this: unknown, allowed: unknown) {
    const permitted = [...(allowed as Iterable<unknown>)];
    return [...(this as Iterable<unknown>)].every((x) => permitted.includes(x));
  },
);
const holds = (expression: string, bindings: Record<string, unknown>) =>
  evaluate(expression, bindings as never, { funcs: [...strings, getAttribute, hasOnly] }) === true;

const seconds = (duration: unknown) => Number(/^(\d+)s$/.exec(String(duration))?.[1] ?? NaN);

const key = (r: BootstrapResource) => `${r.type}::${r.name}`;

/** Whether `r` waits for `target`, directly or through what it waits for. */
function waitsFor(
  bootstrap: BootstrapRun,
  r: BootstrapResource,
  target?: BootstrapResource,
): boolean {
  const byName = new Map(bootstrap.resources.map((x) => [key(x), x]));
  const seen = new Set<string>();
  const queue = [...r.dependsOn];
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (target && name === key(target)) return true;
    if (seen.has(name)) continue;
    seen.add(name);
    queue.push(...(byName.get(name)?.dependsOn ?? []));
  }
  return false;
}

const STACK = 'dev';
let bootstrap: BootstrapRun;
beforeAll(async () => {
  bootstrap = await runBootstrap(STACK, {
    project: 'fixture-ci-1',
    githubRepository: 'Fixture-Org/CX-Hooks',
    grantableRoles: '["roles/datastore.user"]',
  });
}, 60_000);

describe('the bootstrap on first use', () => {
  // Google's Dialogflow sample waits 30 s after enabling an API before using it (infra/
  // propagationWait.ts); the main program does the same.
  it('creates nothing that uses an API before a wait after enabling the APIs', () => {
    const apis = bootstrap.resources.filter((r) => r.type === SERVICE).map(key);
    const wait = bootstrap.resources.find(
      (r) => r.type === SLEEP && apis.every((api) => r.dependsOn.includes(api)),
    );
    expect(wait).toBeDefined();
    expect(seconds(wait?.inputs.createDuration)).toBeGreaterThanOrEqual(30);
    const users = bootstrap.resources.filter(
      (r) => r.type.startsWith('gcp:') && r.type !== SERVICE,
    );
    expect(users.length).toBeGreaterThan(5);
    for (const r of users) {
      expect({ r: r.name, waits: waitsFor(bootstrap, r, wait) }).toEqual({
        r: r.name,
        waits: true,
      });
    }
  });

  // "After you create a service account, you might need to wait for 60 seconds or more before you
  // use the service account" (cloud.google.com/iam/docs/service-accounts-create).
  it('grants a CI account nothing until 60 s after it was created', () => {
    for (const account of bootstrap.resources.filter((r) => r.type === ACCOUNT)) {
      const email = `${String(account.inputs.accountId)}@`;
      const grants = bootstrap.resources.filter(
        (r) =>
          r.type.includes('IAMMember') &&
          (String(r.inputs.member).includes(email) ||
            String(r.inputs.serviceAccountId).includes(email)),
      );
      expect(grants.length).toBeGreaterThan(1);
      const waits = bootstrap.resources.filter(
        (r) =>
          r.type === SLEEP &&
          r.dependsOn.includes(key(account)) &&
          seconds(r.inputs.createDuration) >= 60,
      );
      for (const grant of grants) {
        expect({
          grant: grant.name,
          waits: waits.some((w) => waitsFor(bootstrap, grant, w)),
        }).toEqual({ grant: grant.name, waits: true });
      }
    }
  });

  // "GitHub does not distinguish between "foobar" and "FooBar", but Google Cloud does"
  // (google-github-actions/auth docs/TROUBLESHOOTING.md): the token carries the name as GitHub
  // stores it, whatever case the config uses.
  it.each(['fixture-org/cx-hooks', 'Fixture-Org/CX-Hooks', 'FIXTURE-ORG/cx-hooks'])(
    'admits the deploy job whatever the case of the repository claim (%s)',
    (claimed) => {
      const ref = 'refs/heads/main';
      const claims = new Map(
        Object.entries({
          repository: claimed,
          environment: STACK,
          event_name: 'push',
          ref,
          job_workflow_ref: `${claimed}/.github/workflows/deploy-${STACK}.yml@${ref}`,
        }),
      );
      const condition = admissionCondition({
        project: 'fixture-ci-1',
        stage: STACK,
        repository: 'Fixture-Org/CX-Hooks',
        jobs: [
          { environment: STACK, workflow: `deploy-${STACK}.yml`, events: ['push'], refs: [ref] },
        ],
      });
      expect(holds(condition, { assertion: claims })).toBe(true);
      const stranger = new Map([...claims, ['repository', 'fixture-org/cx-hooks-fork']]);
      stranger.set(
        'job_workflow_ref',
        `fixture-org/cx-hooks-fork/.github/workflows/deploy-${STACK}.yml@${ref}`,
      );
      expect(holds(condition, { assertion: stranger })).toBe(false);
    },
  );
});

describe("the deployer's reach", () => {
  const config = parseBootstrapConfig(
    {
      get: (key) =>
        ({
          project: 'fixture-ci-1',
          githubRepository: 'fixture-org/cx-hooks',
          grantableRoles: '["roles/datastore.user"]',
        })[key as string],
    },
    STACK,
  );
  const conditions = deployerConditions(config);
  const storage = conditions['roles/storage.admin'].expression as string;
  const iamAdmin = conditions['roles/resourcemanager.projectIamAdmin'].expression as string;
  const at = (name: string) => ({ resource: new Map([['name', name]]) });
  const granting = (roles: string[]) => ({
    api: new Map([['iam.googleapis.com/modifiedGrantsByRole', roles]]),
  });

  it('administers the buckets the program makes, never the state bucket or its objects', () => {
    const state = `projects/_/buckets/${config.stateBucket}`;
    const source = `projects/_/buckets/${sourceBucketName(config.project, STACK)}`;
    expect(holds(storage, at(source))).toBe(true);
    expect(holds(storage, at(`${source}/objects/webhook-run-abc.tar.gz`))).toBe(true);
    expect(holds(storage, at(state))).toBe(false);
    expect(holds(storage, at(`${state}/objects/.pulumi/stacks/dev.json`))).toBe(false);
  });

  it('grants the build and listed runtime roles on the project, and nothing else (never Owner)', () => {
    for (const role of [...BUILD_ROLES, ...config.grantableRoles]) {
      expect(holds(iamAdmin, granting([role]))).toBe(true);
    }
    expect(holds(iamAdmin, granting(['roles/owner']))).toBe(false);
    expect(
      holds(iamAdmin, granting([...BUILD_ROLES, 'roles/iam.serviceAccountTokenCreator'])),
    ).toBe(false);
  });

  it('carries those conditions on its grants in the webhook project', () => {
    const deployerGrants = bootstrap.resources.filter(
      (r) => r.type === PROJECT_IAM && String(r.inputs.member).includes('cx-deploy-'),
    );
    for (const [role, condition] of Object.entries(
      deployerConditions({
        stateBucket: `fixture-ci-1-cx-webhook-kit-${STACK}-state`,
        grantableRoles: ['roles/datastore.user'],
      }),
    )) {
      const grant = deployerGrants.find((g) => g.inputs.role === role);
      expect(grant?.inputs.condition).toEqual(condition);
    }
    const unconditioned = deployerGrants.filter((g) => g.inputs.condition === undefined);
    expect(unconditioned.map((g) => String(g.inputs.role))).not.toContain('roles/storage.admin');
  });

  it('cannot shorten how long a deleted state version stays restorable', () => {
    const bucket = bootstrap.resources.find(
      (r) => r.type === 'gcp:storage/bucket:Bucket' && r.inputs.versioning,
    );
    expect(
      seconds(`${String(bucket?.inputs.softDeletePolicy?.retentionDurationSeconds)}s`),
    ).toBeGreaterThanOrEqual(7 * 24 * 3600);
    expect(holds(storage, at(`projects/_/buckets/${String(bucket?.inputs.name)}`))).toBe(false);
  });
});
