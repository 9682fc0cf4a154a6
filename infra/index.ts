// The Pulumi program: one stage's complete, private, wired environment. It only reads config, wires
// the components and exports what a person or the next tool needs.
import * as gcp from '@pulumi/gcp';
import { AGENT_PROJECT_APIS, webhookProjectApis } from './apis';
import { buildServiceBundle } from './bundle';
import { CxWebhook } from './components/cxWebhook';
import { DialogflowIdentity } from './components/dialogflowIdentity';
import { HeaderSecret } from './components/headerSecret';
import { ProjectServices } from './components/projectServices';
import { RuntimeAccount } from './components/runtimeAccount';
import { ServiceSource } from './components/serviceSource';
import { WebhookService } from './components/webhookService';
import { readStageConfig } from './config';
import { deterministicRunUrl, serviceName } from './names';
import { HEADER_VALUE_ENV, invokerCheckEnabled, webhookEnv } from './webhookEnv';

const config = readStageConfig();

// One explicit provider per project: nothing falls back to an ambient default project.
const webhookProvider = new gcp.Provider('webhook', {
  project: config.webhookProject,
  region: config.region,
});
const agentProvider = new gcp.Provider('agent', {
  project: config.agentProject,
  region: config.region,
});

const webhookApis = new ProjectServices('webhook-apis', {
  project: config.webhookProject,
  services: webhookProjectApis(config),
  provider: webhookProvider,
});
const agentApis = new ProjectServices('agent-apis', {
  project: config.agentProject,
  services: AGENT_PROJECT_APIS,
  provider: agentProvider,
});

const identity = new DialogflowIdentity('dialogflow-agent', {
  agentProject: config.agentProject,
  provider: agentProvider,
  dependsOn: agentApis.enabled,
});

const runtime = new RuntimeAccount('webhook-runtime', {
  project: config.webhookProject,
  stage: config.stage,
  provider: webhookProvider,
  dependsOn: webhookApis.enabled,
});

const source = new ServiceSource('webhook-source', {
  project: config.webhookProject,
  region: config.region,
  stage: config.stage,
  bundle: buildServiceBundle(config.target === 'run' ? 'main' : 'function'),
  // Cloud Run reads the source at start-up; Cloud Functions' build reads it with its own identity.
  readerMember: config.target === 'run' ? runtime.member : undefined,
  forceDestroy: !config.deletionProtection,
  provider: webhookProvider,
  dependsOn: webhookApis.enabled,
});

const headerSecret = config.header
  ? new HeaderSecret('webhook-header', {
      project: config.webhookProject,
      stage: config.stage,
      value: config.header.secret,
      accessors: { runtime: runtime.member, dialogflow: identity.member },
      provider: webhookProvider,
      dependsOn: webhookApis.enabled,
    })
  : undefined;

// For id-token the service checks the audience itself, so it must know its own URL before it
// exists: Cloud Run's deterministic URL depends only on name, project number and region.
const expectedUrl =
  config.auth === 'id-token'
    ? gcp.organizations
        .getProjectOutput({ projectId: config.webhookProject }, { provider: webhookProvider })
        .number.apply((n) => deterministicRunUrl(serviceName(config.stage), n, config.region))
    : undefined;

const service = new WebhookService('webhook', {
  project: config.webhookProject,
  region: config.region,
  stage: config.stage,
  target: config.target,
  source: { bucket: source.bucket, object: source.object, generation: source.generation },
  runtimeEmail: runtime.email,
  env: webhookEnv({
    auth: config.auth,
    webhookTimeoutSeconds: config.webhookTimeoutSeconds,
    callerEmail: identity.email,
    audienceUrl: expectedUrl,
    headerName: config.header?.name,
    project: config.webhookProject,
  }),
  secretEnv: headerSecret && {
    name: HEADER_VALUE_ENV,
    secretId: headerSecret.secretId,
    version: headerSecret.version,
  },
  invokerMember: identity.member,
  invokerCheck: invokerCheckEnabled(config.auth),
  expectedUrl,
  minInstances: config.minInstances,
  maxInstances: config.maxInstances,
  deletionProtection: config.deletionProtection,
  webhookTimeoutSeconds: config.webhookTimeoutSeconds,
  provider: webhookProvider,
  dependsOn: [...webhookApis.enabled, ...(headerSecret?.grants ?? [])],
});

const cx = new CxWebhook('cx-webhook', {
  agentProject: config.agentProject,
  agentLocation: config.agentLocation,
  agentId: config.agentId,
  stage: config.stage,
  uri: service.invokableUrl,
  webhookTimeoutSeconds: config.webhookTimeoutSeconds,
  header: headerSecret &&
    config.header && { name: config.header.name, secretVersion: headerSecret.versionName },
  provider: agentProvider,
  dependsOn: [...agentApis.enabled, ...(headerSecret?.grants ?? [])],
});

export const serviceUrl = service.url;
export const webhookName = cx.webhookName;
export const serviceAgentEmail = identity.email;
export const target = config.target;
export const stage = config.stage;
