/** What each component of the program is for, in a line, for the plan's summary. */
export const COMPONENT_PURPOSES: Readonly<Record<string, string>> = {
  'cx-webhook-kit:infra:ProjectServices':
    'enables the APIs one project needs (left on at destroy), then waits for them to settle',
  'cx-webhook-kit:infra:DialogflowIdentity':
    "creates the agent project's Dialogflow service agent, the webhook's only caller",
  'cx-webhook-kit:infra:RuntimeAccount':
    'the identity the service runs as, with only the project roles the stack lists',
  'cx-webhook-kit:infra:BuildAccount':
    "the identity a function's build runs as, with the one role a build needs (roles/run.builder)",
  'cx-webhook-kit:infra:ServiceSource':
    'a private bucket with the content-hashed bundle, kept for rollback, readable by who starts it',
  'cx-webhook-kit:infra:HeaderSecret':
    'the shared header secret in Secret Manager, readable by the service and Dialogflow only, protected in prod',
  'cx-webhook-kit:infra:SecretAccess':
    'lets the runtime account read exactly the secrets serviceSecrets names, then waits for the grants',
  'cx-webhook-kit:infra:WebhookService':
    'the service (Cloud Run or a gen2 function) and run.invoker for Dialogflow on it alone',
  'cx-webhook-kit:infra:StageAgent':
    "the stage's CX agent: an existing one by name, or one created and kept on destroy",
  'cx-webhook-kit:infra:CxWebhook': "the CX webhook on the agent, pointed at the service's URL",
  'cx-webhook-kit:infra:SmokeFlow':
    'a flow the stack owns, whose event handler calls the webhook for npm run smoke',
  'cx-webhook-kit:infra:Alerts':
    "alert policies on the service's 5xx share, latency and saturation, a dashboard and a log metric",
  'cx-webhook-kit:infra:DemoAgentWiring':
    "the created agent's welcome route, order intent and order page, answered by the example handlers",
  'cx-webhook-kit:infra:AgentTestCases':
    "the created agent's test cases, one per file of agent/test-cases/, run by npm run agent:test",
};
