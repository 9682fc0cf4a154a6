// The Pulumi program: one stage's complete, private, wired environment. It only reads config, wires
// the components and exports what a person or the next tool needs.
import * as gcp from '@pulumi/gcp';
import { ENV } from '../service/envContract';
import { AGENT_PROJECT_APIS, webhookProjectApis } from './apis';
import { AgentTestCases } from './components/agentTestCases';
import { Alerts } from './components/alerts';
import { buildServiceBundle } from './bundle';
import { BuildAccount } from './components/buildAccount';
import { CxWebhook } from './components/cxWebhook';
import { DemoAgentWiring } from './components/demoAgentWiring';
import { DialogflowIdentity } from './components/dialogflowIdentity';
import { HeaderSecret } from './components/headerSecret';
import { ProjectServices } from './components/projectServices';
import { RuntimeAccount } from './components/runtimeAccount';
import { SecretAccess } from './components/secretAccess';
import { ServiceSource } from './components/serviceSource';
import { SmokeFlow } from './components/smokeFlow';
import { existingAgentName, StageAgent } from './components/stageAgent';
import { WebhookService } from './components/webhookService';
import { readStageConfig } from './config';
import { stageLabels } from './labels';
import * as names from './names';
import { readTestCaseFiles, TEST_CASES_DIR } from './testCaseFiles';
import { invokerCheckEnabled, webhookEnv } from './webhookEnv';

const config = readStageConfig();
const { stage, region, webhookProject, agentProject, deletionProtection } = config;
// Checked before anything is declared: a malformed case file stops the program here.
const testCases = readTestCaseFiles(TEST_CASES_DIR);
// Every resource that takes labels says which profile deployed it; the policy pack reads it.
const labels = stageLabels(config.profile);
// What the webhook project's stateful components share.
const inStage = { project: webhookProject, region, deletionProtection, labels };

// One explicit provider per project: nothing falls back to an ambient default project. Components
// pass neither the provider nor their `dependsOn` on: a child takes its parent's provider and
// `protect`, and is created only after what its parent depends on (test/infra/components/
// dependsOn.test.ts). A dependent names the component it waits for, propagation waits included.
const inWebhookProject = {
  provider: new gcp.Provider('webhook', { project: webhookProject, region }),
};
const inAgentProject = { provider: new gcp.Provider('agent', { project: agentProject, region }) };

const webhookApis = new ProjectServices(
  'webhook-apis',
  { project: webhookProject, services: webhookProjectApis(config) },
  inWebhookProject,
);
const agentApis = new ProjectServices(
  'agent-apis',
  { project: agentProject, services: AGENT_PROJECT_APIS },
  inAgentProject,
);
const afterWebhookApis = { ...inWebhookProject, dependsOn: webhookApis };

const identity = new DialogflowIdentity(
  'dialogflow-agent',
  { agentProject },
  { ...inAgentProject, dependsOn: agentApis },
);
// Components that hold a physical name are named by it, and their resources after them; `aliases`
// name them as they were before, so a deployed stack keeps its resources (CHANGELOG, upgrade note).
const runtime = new RuntimeAccount(
  names.accountId(stage),
  { project: webhookProject, stage, projectRoles: config.runtimeRoles },
  { ...afterWebhookApis, aliases: [{ name: 'webhook-runtime' }] },
);
const build =
  config.target === 'function'
    ? new BuildAccount(
        names.buildAccountId(stage),
        { project: webhookProject, stage },
        { ...afterWebhookApis, aliases: [{ name: 'webhook-build' }] },
      )
    : undefined;

// The service's URL depends only on its name, the project number and the region, so it is known
// before the service exists: Dialogflow is pointed at it, and the service takes it as the token
// audience. A function is served by a Cloud Run service of its name, called at that run.app URL.
const webhookProjectNumber = gcp.organizations.getProjectOutput(
  { projectId: webhookProject },
  inWebhookProject,
).number;
const url = webhookProjectNumber.apply((n) =>
  names.deterministicRunUrl(names.serviceName(stage), n, region),
);

const source = new ServiceSource(
  names.sourceBucketName(webhookProject, stage),
  {
    ...inStage,
    bundle: buildServiceBundle(config.target === 'run' ? 'main' : 'function'),
    // Which identity reads `sourceCode.cloudStorageSource` when Cloud Run starts a revision is not
    // documented: the runtime account and Cloud Run's service agent both may, on this bucket only.
    // A function's source is read by its build (BuildAccount).
    readers:
      config.target === 'run'
        ? {
            runtime: runtime.member,
            'run-agent': webhookProjectNumber.apply(
              (n) => `serviceAccount:${names.cloudRunServiceAgent(n)}`,
            ),
          }
        : {},
  },
  { ...afterWebhookApis, aliases: [{ name: 'webhook-source' }] },
);

const headerSecret =
  config.header &&
  new HeaderSecret(
    `cx-webhook-${stage}-header`,
    {
      ...inStage,
      value: config.header.secret,
      accessors: { runtime: runtime.member, dialogflow: identity.member },
    },
    {
      ...inWebhookProject,
      dependsOn: [webhookApis, identity],
      aliases: [{ name: 'webhook-header' }],
    },
  );

const handlerSecrets = new SecretAccess(
  'handler-secrets',
  {
    project: webhookProject,
    secretIds: config.service.secrets.map((s) => s.secretId),
    member: runtime.member,
  },
  afterWebhookApis,
);

const service = new WebhookService(
  names.serviceName(stage),
  {
    ...inStage,
    target: config.target,
    source: { bucket: source.bucket, object: source.object, generation: source.generation },
    runtimeEmail: runtime.email,
    buildServiceAccount: build?.name,
    env: webhookEnv(config, identity.email, url),
    secretEnv: [
      ...(headerSecret ? [{ env: ENV.headerValue, ...headerSecret.ref }] : []),
      ...config.service.secrets,
    ],
    invokerMember: identity.member,
    invokerCheck: invokerCheckEnabled(config.auth),
    url,
    minInstances: config.minInstances,
    maxInstances: config.maxInstances,
    webhookTimeoutSeconds: config.webhookTimeoutSeconds,
    resources: config.service,
  },
  {
    ...inWebhookProject,
    aliases: [{ name: 'webhook' }],
    // Cloud Run checks that the runtime account can read each secret when it creates a revision.
    dependsOn: [webhookApis, identity, source, runtime, handlerSecrets, build, headerSecret].filter(
      (r) => r !== undefined,
    ),
  },
);

if (config.alerts.enabled) {
  new Alerts(
    'webhook-alerts',
    {
      project: webhookProject,
      region,
      // For a gen2 function this is its underlying Cloud Run service, whose metrics it reports.
      serviceName: service.name,
      webhookTimeoutSeconds: config.webhookTimeoutSeconds,
      maxInstances: config.maxInstances,
      settings: config.alerts,
    },
    afterWebhookApis,
  );
}

const agent = new StageAgent(
  'stage-agent',
  { project: agentProject, location: config.agentLocation, stage, agentId: config.agentId },
  { ...inAgentProject, dependsOn: agentApis, protect: deletionProtection },
);
// What the program puts in an agent it created goes with the kept agent on destroy (StageAgent);
// in an existing agent, the webhook is protected wherever the stage protects its service.
const inAgent = { ...inAgentProject, deletedWith: agent.created };

const cx = new CxWebhook(
  'cx-webhook',
  {
    agent: agent.name,
    stage,
    uri: service.invokableUrl,
    webhookTimeoutSeconds: config.webhookTimeoutSeconds,
    header: headerSecret &&
      config.header && { name: config.header.name, secretVersion: headerSecret.versionName },
    // config.ts allows existingWebhookId only with agentId.
    adopt:
      config.existingWebhookId &&
      `${existingAgentName(agentProject, config.agentLocation, config.agentId as string)}/webhooks/${config.existingWebhookId}`,
  },
  {
    ...inAgent,
    protect: agent.created ? undefined : deletionProtection,
    dependsOn: [agentApis, ...(headerSecret ? [headerSecret] : [])],
  },
);

const smoke =
  config.smokeFlow &&
  new SmokeFlow('smoke-flow', { agent: agent.name, webhook: cx.webhookName, stage }, inAgent);

if (agent.created) {
  const demo = new DemoAgentWiring(
    'demo-wiring',
    { agent: agent.name, webhook: cx.webhookName },
    inAgent,
  );
  new AgentTestCases(
    'agent-test-cases',
    { agent: agent.name, cases: testCases, catalogue: demo.catalogue },
    inAgent,
  );
}

export const serviceUrl = service.url;
export const webhookName = cx.webhookName;
export const serviceAgentEmail = identity.email;
export const target = config.target;
export { stage };
export const agentName = agent.name;
export const smokeFlowName = smoke ? smoke.flowName : undefined;
