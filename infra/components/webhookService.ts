import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { NODE_MAJOR } from '../bundle';
import type { StageConfig } from '../config';
import type { SecretRef } from './headerSecret';
import type { ServiceSource } from './serviceSource';

/** The runtime the service deploys on and the tests run on (why this one: docs/node-runtime.md). */
export const NODE_RUNTIME = `nodejs${NODE_MAJOR}`;

export interface WebhookServiceArgs {
  readonly project: pulumi.Input<string>;
  readonly region: string;
  readonly target: StageConfig['target'];
  /** The uploaded bundle. */
  readonly source: Pick<ServiceSource, 'bucket' | 'object' | 'generation'>;
  readonly runtimeEmail: pulumi.Input<string>;
  /** For `function`: the build account, `projects/…/serviceAccounts/…`. */
  readonly buildServiceAccount?: pulumi.Input<string>;
  /** Plain environment (see webhookEnv.ts). */
  readonly env: Record<string, pulumi.Input<string>>;
  /** Env read from Secret Manager when an instance starts (`version`: a number or `latest`). */
  readonly secretEnv: readonly SecretRef[];
  /** Who may invoke: the Dialogflow service agent's member. */
  readonly invokerMember: pulumi.Input<string>;
  /** Keep Cloud Run's IAM invoker check on (off only where the service verifies tokens itself). */
  readonly invokerCheck: boolean;
  /** The URL Dialogflow is pointed at, known before the service exists: the token audience. */
  readonly url: pulumi.Input<string>;
  readonly minInstances: number;
  readonly maxInstances: number;
  /** Pulumi's `protect` and the provider's guard (Cloud Run's, a function's; not the console's). */
  readonly deletionProtection: boolean;
  readonly webhookTimeoutSeconds: number;
  /** Memory and CPU of an instance, and the requests it serves at once. */
  readonly resources: Pick<StageConfig['service'], 'memory' | 'cpu' | 'concurrency'>;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Whether `url` is a run.app URL of the Cloud Run service `service`: its deterministic form
 * `https://<service>-<project number>.<region>.run.app` or the older `https://<service>-<hash>-
 * <region code>.a.run.app` (cloud.google.com/run/docs/triggering/https-request).
 */
export function isRunUrlOf(url: string, service: string): boolean {
  if (!URL.canParse(url)) return false;
  const { protocol, hostname } = new URL(url);
  // Service names are lowercase letters, digits and hyphens: nothing to escape.
  return (
    protocol === 'https:' &&
    new RegExp(`^${service}-[a-z0-9-]+\\.(.+\\.)?run\\.app$`).test(hostname)
  );
}

/** Requests may run a little past the CX timeout (late results are logged and dropped), not far. */
const requestTimeoutSeconds = (webhookTimeoutSeconds: number) => webhookTimeoutSeconds + 5;

/**
 * The webhook service, named after the component, as a Cloud Run service running the bundle
 * straight from Cloud Storage or as a Cloud Functions gen2 function, with `roles/run.invoker` for
 * the Dialogflow service agent on that one service. `invokableUrl` resolves only once that grant
 * exists, so the CX webhook is never pointed at a service that would refuse Dialogflow.
 */
export class WebhookService extends pulumi.ComponentResource {
  readonly name: pulumi.Output<string>;
  readonly url: pulumi.Output<string>;
  readonly invokableUrl: pulumi.Output<string>;

  constructor(name: string, args: WebhookServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:WebhookService', name, {}, opts);
    const deployed =
      args.target === 'run' ? this.cloudRun(name, args) : this.cloudFunction(name, args);

    const invoker = new gcp.cloudrunv2.ServiceIamMember(
      `${name}-invoker`,
      {
        project: args.project,
        location: args.region,
        name: deployed.runServiceName,
        role: 'roles/run.invoker',
        member: args.invokerMember,
      },
      { parent: this },
    );
    this.name = deployed.runServiceName;
    this.url = deployed.url;
    this.invokableUrl = pulumi.all([deployed.url, invoker.id]).apply(([url]) => url);
    this.registerOutputs({ name: this.name, url: this.url });
  }

  private cloudRun(name: string, args: WebhookServiceArgs) {
    const envs = [
      ...Object.entries(args.env).map(([env, value]) => ({ name: env, value })),
      ...args.secretEnv.map(({ env, secretId: secret, version }) => ({
        name: env,
        valueSource: { secretKeyRef: { secret, version } },
      })),
    ];
    const health = { httpGet: { path: '/health' } };
    const service = new gcp.cloudrunv2.Service(
      name,
      {
        project: args.project,
        location: args.region,
        name,
        labels: args.labels,
        deletionProtection: args.deletionProtection,
        // Running source without a build (`sourceCode`, "(Optional, Beta)") is Preview: the
        // provider documents launchStage as the way to "allow use of preview features" (@pulumi/gcp
        // cloudrunv2/service.d.ts).
        launchStage: 'BETA',
        // Dialogflow calls from Google's network over the public endpoint; IAM (or the service)
        // decides who gets in.
        ingress: 'INGRESS_TRAFFIC_ALL',
        invokerIamDisabled: !args.invokerCheck,
        template: {
          serviceAccount: args.runtimeEmail,
          timeout: `${requestTimeoutSeconds(args.webhookTimeoutSeconds)}s`,
          maxInstanceRequestConcurrency: args.resources.concurrency,
          scaling: { minInstanceCount: args.minInstances, maxInstanceCount: args.maxInstances },
          containers: [
            {
              // Source deploy without a build: Google's Node.js base image runs the bundle.
              image: 'scratch',
              baseImageUri: `${args.region}-docker.pkg.dev/serverless-runtimes/google-${NODE_MAJOR}-full/runtimes/${NODE_RUNTIME}`,
              commands: ['node'],
              args: ['index.js'],
              sourceCode: { cloudStorageSource: args.source },
              envs,
              resources: {
                limits: { cpu: args.resources.cpu, memory: args.resources.memory },
                cpuIdle: true,
                startupCpuBoost: true,
              },
              startupProbe: {
                ...health,
                periodSeconds: 1,
                timeoutSeconds: 1,
                failureThreshold: 30,
              },
              livenessProbe: {
                ...health,
                periodSeconds: 30,
                timeoutSeconds: 2,
                failureThreshold: 3,
              },
            },
          ],
        },
      },
      { parent: this, protect: args.deletionProtection },
    );
    // The service checks the token audience against this URL, so Dialogflow must use exactly it.
    const url = pulumi.all([service.urls, args.url]).apply(([urls, expected]) => {
      if (urls.includes(expected)) return expected;
      throw new Error(`Cloud Run did not report ${expected} among its URLs (${urls.join(', ')})`);
    });
    return { runServiceName: service.name, url };
  }

  private cloudFunction(name: string, args: WebhookServiceArgs) {
    const fn = new gcp.cloudfunctionsv2.Function(
      name,
      {
        project: args.project,
        location: args.region,
        name,
        labels: args.labels,
        deletionPolicy: args.deletionProtection ? 'PREVENT' : 'DELETE',
        buildConfig: {
          runtime: NODE_RUNTIME,
          entryPoint: 'webhook',
          serviceAccount: args.buildServiceAccount,
          source: {
            storageSource: {
              bucket: args.source.bucket,
              object: args.source.object,
              generation: pulumi.output(args.source.generation).apply(Number),
            },
          },
        },
        serviceConfig: {
          serviceAccountEmail: args.runtimeEmail,
          availableCpu: args.resources.cpu,
          availableMemory: args.resources.memory,
          timeoutSeconds: requestTimeoutSeconds(args.webhookTimeoutSeconds),
          maxInstanceRequestConcurrency: args.resources.concurrency,
          minInstanceCount: args.minInstances,
          maxInstanceCount: args.maxInstances,
          ingressSettings: 'ALLOW_ALL',
          allTrafficOnLatestRevision: true,
          environmentVariables: args.env,
          secretEnvironmentVariables: args.secretEnv.map(({ env: key, secretId, version }) => ({
            key,
            projectId: args.project,
            secret: secretId,
            version,
          })),
        },
      },
      { parent: this, protect: args.deletionProtection },
    );
    // A gen2 function is served by a Cloud Run service; the invoker grant belongs on that service.
    // Cloud Functions reports it; until it does, its documented name is the function's.
    const runServiceName = fn.serviceConfig.apply(
      (config) => config?.service?.split('/').pop() || name,
    );
    // Dialogflow calls the underlying service's run.app URL (the audience Cloud Run documents),
    // not `Function.url` (cloudfunctions.net), whose accepted audience and path are unconfirmed.
    const url = pulumi
      .all([fn.serviceConfig, runServiceName, args.url])
      .apply(([config, service, expected]) => {
        const reported = config?.uri;
        if (reported && isRunUrlOf(reported, service)) return expected;
        throw new Error(
          `Cloud Functions reported ${reported ?? 'no URI'} for the function's Cloud Run service ${service}, not one of its run.app URLs (expected ${expected})`,
        );
      });
    return { runServiceName, url };
  }
}
