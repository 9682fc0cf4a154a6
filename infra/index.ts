// The Pulumi program: one stage's complete, private, wired environment. It only reads config, wires
// the components and exports what a person or the next tool needs.
import * as gcp from '@pulumi/gcp';
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
import { cloudRunServiceAgent, deterministicRunUrl, serviceName } from './names';
import { readTestCaseFiles, TEST_CASES_DIR } from './testCaseFiles';
import { HEADER_VALUE_ENV, invokerCheckEnabled, webhookEnv } from './webhookEnv';

const config = readStageConfig();
// Checked before anything is declared: a malformed case file stops the program here.
const testCases = readTestCaseFiles(TEST_CASES_DIR);
// Every resource that takes labels says which profile deployed it; the policy pack reads it.
const labels = stageLabels(config.profile);

// One explicit provider per project: nothing falls back to an ambient default project.
const webhookProvider = new gcp.Provider('webhook', {
  project: config.webhookProject,
  region: config.region,
});
const agentProvider = new gcp.Provider('agent', {
  project: config.agentProject,
  region: config.region,
});
// Components take the provider and their dependencies in their options and pass neither on: a child
// takes its parent's provider and `protect`, and is created only after what its parent depends on
// (the SDK registers a child once its parent is registered, and a component once its dependencies
// are done; test/infra/components/dependsOn.test.ts). A dependent names the component it waits
// for, which means every resource in it, propagation waits included.
const inWebhookProject = { provider: webhookProvider };
const inAgentProject = { provider: agentProvider };

const webhookApis = new ProjectServices(
  'webhook-apis',
  { project: config.webhookProject, services: webhookProjectApis(config) },
  inWebhookProject,
);
const agentApis = new ProjectServices(
  'agent-apis',
  { project: config.agentProject, services: AGENT_PROJECT_APIS },
  inAgentProject,
);

const identity = new DialogflowIdentity(
  'dialogflow-agent',
  { agentProject: config.agentProject },
  { ...inAgentProject, dependsOn: agentApis },
);

const runtime = new RuntimeAccount(
  'webhook-runtime',
  { project: config.webhookProject, stage: config.stage, projectRoles: config.runtimeRoles },
  { ...inWebhookProject, dependsOn: webhookApis },
);

const build =
  config.target === 'function'
    ? new BuildAccount(
        'webhook-build',
        { project: config.webhookProject, stage: config.stage },
        { ...inWebhookProject, dependsOn: webhookApis },
      )
    : undefined;

// The service's URL depends only on its name, the project number and the region, so it is known
// before the service exists: Dialogflow is pointed at it, and the service takes it as the token
// audience. A function is served by a Cloud Run service of its name, called at that run.app URL.
const webhookProjectNumber = gcp.organizations.getProjectOutput(
  { projectId: config.webhookProject },
  inWebhookProject,
).number;
const url = webhookProjectNumber.apply((n) =>
  deterministicRunUrl(serviceName(config.stage), n, config.region),
);

const source = new ServiceSource(
  'webhook-source',
  {
    project: config.webhookProject,
    region: config.region,
    stage: config.stage,
    bundle: buildServiceBundle(config.target === 'run' ? 'main' : 'function'),
    // Which identity reads `sourceCode.cloudStorageSource` when Cloud Run starts a revision is not
    // documented: the runtime account and Cloud Run's service agent both may, on this bucket only.
    // A function's source is read by its build (BuildAccount).
    readers:
      config.target === 'run'
        ? {
            runtime: runtime.member,
            'run-agent': webhookProjectNumber.apply(
              (n) => `serviceAccount:${cloudRunServiceAgent(n)}`,
            ),
          }
        : {},
    deletionProtection: config.deletionProtection,
    labels,
  },
  { ...inWebhookProject, dependsOn: webhookApis },
);

const headerSecret = config.header
  ? new HeaderSecret(
      'webhook-header',
      {
        project: config.webhookProject,
        region: config.region,
        stage: config.stage,
        value: config.header.secret,
        accessors: { runtime: runtime.member, dialogflow: identity.member },
        deletionProtection: config.deletionProtection,
        labels,
      },
      { ...inWebhookProject, dependsOn: [webhookApis, identity] },
    )
  : undefined;

const handlerSecrets = new SecretAccess(
  'handler-secrets',
  {
    project: config.webhookProject,
    secretIds: config.service.secrets.map((s) => s.secretId),
    member: runtime.member,
  },
  { ...inWebhookProject, dependsOn: webhookApis },
);

const service = new WebhookService(
  'webhook',
  {
    project: config.webhookProject,
    region: config.region,
    stage: config.stage,
    target: config.target,
    source: { bucket: source.bucket, object: source.object, generation: source.generation },
    runtimeEmail: runtime.email,
    buildServiceAccount: build?.name,
    env: webhookEnv({
      auth: config.auth,
      webhookTimeoutSeconds: config.webhookTimeoutSeconds,
      concurrency: config.service.concurrency,
      callerEmail: identity.email,
      audienceUrl: url,
      headerName: config.header?.name,
      project: config.webhookProject,
      extra: config.service.env,
    }),
    secretEnv: [
      ...(headerSecret
        ? [
            {
              name: HEADER_VALUE_ENV,
              secretId: headerSecret.secretId,
              version: headerSecret.version,
            },
          ]
        : []),
      ...config.service.secrets.map((s) => ({
        name: s.env,
        secretId: s.secretId,
        version: s.version,
      })),
    ],
    invokerMember: identity.member,
    invokerCheck: invokerCheckEnabled(config.auth),
    url,
    minInstances: config.minInstances,
    maxInstances: config.maxInstances,
    deletionProtection: config.deletionProtection,
    webhookTimeoutSeconds: config.webhookTimeoutSeconds,
    memory: config.service.memory,
    cpu: config.service.cpu,
    concurrency: config.service.concurrency,
    labels,
  },
  {
    ...inWebhookProject,
    dependsOn: [
      webhookApis,
      identity,
      source,
      runtime,
      ...(build ? [build] : []),
      // Cloud Run checks that the runtime account can read each secret when it creates a revision.
      ...(headerSecret ? [headerSecret] : []),
      handlerSecrets,
    ],
  },
);

if (config.alerts.enabled) {
  new Alerts(
    'webhook-alerts',
    {
      project: config.webhookProject,
      region: config.region,
      // For a gen2 function this is its underlying Cloud Run service, whose metrics it reports.
      serviceName: service.name,
      webhookTimeoutSeconds: config.webhookTimeoutSeconds,
      maxInstances: config.maxInstances,
      settings: config.alerts,
    },
    { ...inWebhookProject, dependsOn: webhookApis },
  );
}

const agent = new StageAgent(
  'stage-agent',
  {
    project: config.agentProject,
    location: config.agentLocation,
    stage: config.stage,
    agentId: config.agentId,
  },
  { ...inAgentProject, dependsOn: agentApis, protect: config.deletionProtection },
);
// Inside an agent the stack created, its resources go with the kept agent on destroy (StageAgent);
// in an existing agent, the webhook is protected wherever the stage protects its service.
const inAgent = {
  ...inAgentProject,
  deletedWith: agent.created,
  protect: agent.created ? undefined : config.deletionProtection,
};

const cx = new CxWebhook(
  'cx-webhook',
  {
    agent: agent.name,
    stage: config.stage,
    uri: service.invokableUrl,
    webhookTimeoutSeconds: config.webhookTimeoutSeconds,
    header: headerSecret &&
      config.header && { name: config.header.name, secretVersion: headerSecret.versionName },
    // config.ts allows existingWebhookId only with agentId.
    adopt:
      config.existingWebhookId &&
      `${existingAgentName(config.agentProject, config.agentLocation, config.agentId as string)}/webhooks/${config.existingWebhookId}`,
  },
  { ...inAgent, dependsOn: [agentApis, ...(headerSecret ? [headerSecret] : [])] },
);

const smoke = config.smokeFlow
  ? new SmokeFlow(
      'smoke-flow',
      { agent: agent.name, webhook: cx.webhookName, stage: config.stage },
      { ...inAgentProject, deletedWith: agent.created },
    )
  : undefined;

if (agent.created) {
  const demo = new DemoAgentWiring(
    'demo-wiring',
    { agent: agent.name, webhook: cx.webhookName },
    { ...inAgentProject, deletedWith: agent.created },
  );
  new AgentTestCases(
    'agent-test-cases',
    { agent: agent.name, cases: testCases, catalogue: demo.catalogue },
    { ...inAgentProject, deletedWith: agent.created },
  );
}

export const serviceUrl = service.url;
export const webhookName = cx.webhookName;
export const serviceAgentEmail = identity.email;
export const target = config.target;
export const stage = config.stage;
export const agentName = agent.name;
export const smokeFlowName = smoke?.flowName;
