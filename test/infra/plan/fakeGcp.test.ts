import { FakeGcp, fakeProjectNumber } from '../../../infra/plan/fakeGcp';

describe('FakeGcp (the strict mock model)', () => {
  const fake = new FakeGcp();
  const create = (type: string, inputs: Record<string, unknown>) =>
    fake.newResource({ type, name: 'x', inputs, custom: true });

  it('throws for an invoke it does not model', () => {
    expect(() => fake.call({ token: 'gcp:compute/getNetwork:getNetwork', inputs: {} })).toThrow(
      'unmocked invoke gcp:compute/getNetwork:getNetwork',
    );
  });

  it('throws for a resource type it does not model (authoritative IAM bindings among them)', () => {
    expect(() =>
      fake.newResource({
        type: 'gcp:projects/iAMBinding:IAMBinding',
        name: 'x',
        inputs: {},
        custom: true,
      }),
    ).toThrow('FakeGcp has no model for gcp:projects/iAMBinding:IAMBinding');
  });

  it('refuses a project look-up without a project ID, which would read the ambient default', () => {
    expect(() =>
      fake.call({ token: 'gcp:organizations/getProject:getProject', inputs: {} }),
    ).toThrow('ambient default project');
  });

  it('gives each project a stable 12-digit number', () => {
    expect(fakeProjectNumber('acme')).toMatch(/^\d{12}$/);
    expect(fakeProjectNumber('acme')).toBe(fakeProjectNumber('acme'));
    expect(fakeProjectNumber('acme')).not.toBe(fakeProjectNumber('acme2'));
  });

  describe('the new resource types, strictly', () => {
    const AGENT = 'projects/p/locations/global/agents/a1';
    const WEBHOOK = `${AGENT}/webhooks/w1`;

    it('refuses a Sleep without a Go duration', () => {
      expect(() => create('time:index/sleep:Sleep', { createDuration: '30 seconds' })).toThrow(
        'needs a Go duration',
      );
      expect(create('time:index/sleep:Sleep', { createDuration: '1m30s' }).id).toBeDefined();
    });

    it('refuses an IAM member that is not a principal', () => {
      expect(() =>
        create('gcp:projects/iAMMember:IAMMember', { project: 'p', role: 'roles/x', member: 'me' }),
      ).toThrow('bad member me');
      expect(() =>
        create('gcp:projects/iAMMember:IAMMember', { project: 'p', member: 'user:a@b' }),
      ).toThrow('needs role');
    });

    it('refuses a build account that is not a full service account name', () => {
      expect(() =>
        create('gcp:cloudfunctionsv2/function:Function', {
          project: 'p',
          location: 'us-central1',
          name: 'f',
          buildConfig: { serviceAccount: 'b@p.iam.gserviceaccount.com' },
        }),
      ).toThrow('buildConfig.serviceAccount must be a full name');
    });

    it('adopts the default start flow by its fixed ID, and names flows by their full name', () => {
      const start = create('gcp:diagflow/cxFlow:CxFlow', {
        parent: AGENT,
        displayName: 'Default Start Flow',
        isDefaultStartFlow: true,
      });
      expect(start.id).toBe(`${AGENT}/flows/00000000-0000-0000-0000-000000000000`);
      expect(create('gcp:diagflow/cxFlow:CxFlow', { parent: AGENT, displayName: 'f' }).id).toMatch(
        new RegExp(`^${AGENT}/flows/[0-9a-f-]{36}$`),
      );
    });

    it.each<[string, string, Record<string, unknown>, string]>([
      [
        'a webhook call without a tag (fulfillment.proto)',
        'gcp:diagflow/cxFlow:CxFlow',
        {
          parent: AGENT,
          displayName: 'f',
          eventHandlers: [{ event: 'e', triggerFulfillment: { webhook: WEBHOOK } }],
        },
        'a fulfillment that calls a webhook needs a tag',
      ],
      [
        "another agent's webhook",
        'gcp:diagflow/cxFlow:CxFlow',
        {
          parent: AGENT,
          displayName: 'f',
          eventHandlers: [
            {
              event: 'e',
              triggerFulfillment: {
                webhook: 'projects/p/locations/global/agents/a2/webhooks/w',
                tag: 't',
              },
            },
          ],
        },
        'webhook projects/p/locations/global/agents/a2/webhooks/w is not in',
      ],
      [
        'a route with neither intent nor condition (page.proto)',
        'gcp:diagflow/cxFlow:CxFlow',
        { parent: AGENT, displayName: 'f', transitionRoutes: [{ triggerFulfillment: {} }] },
        'needs an intent or a condition',
      ],
      [
        'a route to a page in another flow',
        'gcp:diagflow/cxPage:CxPage',
        {
          parent: `${AGENT}/flows/f1`,
          displayName: 'p',
          transitionRoutes: [
            { condition: 'true', targetPage: `${AGENT}/flows/f2/pages/START_PAGE` },
          ],
        },
        'is not in',
      ],
      [
        'a page whose parent is an agent',
        'gcp:diagflow/cxPage:CxPage',
        { parent: AGENT, displayName: 'p' },
        'needs a flow name as parent',
      ],
      [
        'a required parameter without an initial prompt',
        'gcp:diagflow/cxPage:CxPage',
        {
          parent: `${AGENT}/flows/f1`,
          displayName: 'p',
          form: { parameters: [{ displayName: 'n', entityType: 'e', required: true }] },
        },
        'needs fillBehavior.initialPromptFulfillment',
      ],
      [
        'a route condition naming a form parameter the page lacks',
        'gcp:diagflow/cxPage:CxPage',
        {
          parent: `${AGENT}/flows/f1`,
          displayName: 'p',
          form: {
            parameters: [
              {
                displayName: 'order_number',
                entityType: 'e',
                required: true,
                fillBehavior: { initialPromptFulfillment: { messages: [] } },
              },
            ],
          },
          transitionRoutes: [
            {
              condition: '$page.params.order_numbr.status = "UPDATED"',
              targetPage: `${AGENT}/flows/f1/pages/START_PAGE`,
            },
          ],
        },
        'the page has no form parameter order_numbr',
      ],
      [
        'a flow without a display name',
        'gcp:diagflow/cxFlow:CxFlow',
        { parent: AGENT },
        'needs displayName',
      ],
      [
        'an intent with an empty training phrase',
        'gcp:diagflow/cxIntent:CxIntent',
        { parent: AGENT, displayName: 'i', trainingPhrases: [{ parts: [{ text: '' }] }] },
        'needs parts with text',
      ],
      [
        'a webhook outside an agent',
        'gcp:diagflow/cxWebhook:CxWebhook',
        { parent: 'projects/p', displayName: 'w' },
        'needs an agent name as parent',
      ],
    ])('refuses %s', (_name, type, inputs, message) => {
      expect(() => create(type, inputs)).toThrow(message);
    });

    describe("a test case names only its agent's flows, pages and intents (test_case.proto)", () => {
      const OTHER = 'projects/p/locations/global/agents/a2';
      const turn = (output: Record<string, unknown>) => ({
        userInput: { input: { text: { text: 'hi' } } },
        virtualAgentOutput: output,
      });
      const testCase = (inputs: Record<string, unknown>) =>
        create('gcp:diagflow/cxTestCase:CxTestCase', {
          parent: AGENT,
          displayName: 't',
          ...inputs,
        });

      it('takes its own agent’s', () => {
        const turns = [
          turn({
            triggeredIntent: { name: `${AGENT}/intents/i1` },
            currentPage: { name: `${AGENT}/flows/f1/pages/p1` },
          }),
        ];
        expect(testCase({ testConfig: { flow: `${AGENT}/flows/f1` } }).id).toBeDefined();
        expect(
          testCase({
            testConfig: { page: `${AGENT}/flows/f1/pages/p1` },
            testCaseConversationTurns: turns,
          }).id,
        ).toBeDefined();
      });

      it.each<[string, Record<string, unknown>, string]>([
        ['flow', { testConfig: { flow: `${OTHER}/flows/f1` } }, 'testConfig.flow'],
        ['page', { testConfig: { page: `${OTHER}/flows/f1/pages/p1` } }, 'testConfig.page'],
        [
          'expected intent',
          {
            testCaseConversationTurns: [turn({ triggeredIntent: { name: `${OTHER}/intents/i` } })],
          },
          'testCaseConversationTurns[0]: intent',
        ],
        [
          'expected page',
          {
            testCaseConversationTurns: [
              turn({ currentPage: { name: `${OTHER}/flows/f1/pages/p1` } }),
            ],
          },
          'testCaseConversationTurns[0]: page',
        ],
      ])("refuses another agent's %s", (_what, inputs, where) => {
        expect(() => testCase(inputs)).toThrow(`${where} ${OTHER}/`);
        expect(() => testCase(inputs)).toThrow(`is not in ${AGENT}`);
      });
    });
  });

  describe("the bootstrap's resource types", () => {
    const POOL = 'gcp:iam/workloadIdentityPool:WorkloadIdentityPool';
    const PROVIDER = 'gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider';
    const KEY = 'gcp:kms/cryptoKey:CryptoKey';

    it("names a pool and its provider by the project's number, and refuses IDs Google refuses", () => {
      const provider = create(PROVIDER, {
        project: 'p',
        workloadIdentityPoolId: 'pool-1',
        workloadIdentityPoolProviderId: 'github',
      });
      expect(provider.state.name).toBe(
        `projects/${fakeProjectNumber('p')}/locations/global/workloadIdentityPools/pool-1/providers/github`,
      );
      for (const id of ['gcp-pool', 'Pool', 'abc', 'a'.repeat(33)]) {
        expect(() => create(POOL, { project: 'p', workloadIdentityPoolId: id })).toThrow(id);
      }
      expect(() => create(PROVIDER, { project: 'p', workloadIdentityPoolId: 'pool-1' })).toThrow(
        'needs workloadIdentityPoolProviderId',
      );
    });

    it('places a key in its ring and refuses a rotation period of a day or less', () => {
      const ring = create('gcp:kms/keyRing:KeyRing', { project: 'p', location: 'eu', name: 'r' });
      const inputs = { keyRing: ring.id, name: 'k', rotationPeriod: '7776000s' };
      expect(create(KEY, inputs).id).toBe('projects/p/locations/eu/keyRings/r/cryptoKeys/k');
      for (const rotationPeriod of ['86400s', '90d', '']) {
        expect(() => create(KEY, { ...inputs, rotationPeriod })).toThrow('rotationPeriod');
      }
    });

    it.each([
      ['gcp:serviceaccount/iAMMember:IAMMember', 'serviceAccountId'],
      ['gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember', 'cryptoKeyId'],
      ['gcp:storage/bucketIAMMember:BucketIAMMember', 'bucket'],
    ])('refuses a %s that names nothing to grant on', (type, target) => {
      const grant = { role: 'roles/x', member: 'user:a@b', [target]: 't' };
      expect(create(type, grant).id).toBeDefined();
      expect(() => create(type, { ...grant, [target]: undefined })).toThrow(`needs ${target}`);
    });
  });
});
