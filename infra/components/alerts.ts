import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import type { AlertsOn } from '../alertsConfig';

// Cloud Run's built-in metrics (cloud.google.com/monitoring/api/metrics_gcp_p_z#gcp-run), written
// for the `cloud_run_revision` resource; a Cloud Functions gen2 function is served by a Cloud Run
// service and reports the same metrics and logs under that service's name.
const REQUEST_COUNT = 'metric.type = "run.googleapis.com/request_count"';
const REQUEST_LATENCIES = 'metric.type = "run.googleapis.com/request_latencies"';
const INSTANCE_COUNT = 'metric.type = "run.googleapis.com/container/instance_count"';

/** p99 latency above this share of the webhook timeout means Dialogflow is about to give up. */
const LATENCY_ALERT_SHARE = 0.8;
/** How long a condition must hold before it opens an incident, and the bucket it is measured in. */
const HOLD = '300s';
const ALIGNMENT = '60s';

export interface AlertsArgs {
  /** The webhook project, where the service runs and the alerting lives. */
  readonly project: string;
  readonly region: string;
  /** The Cloud Run service answering the webhook; for a gen2 function, its underlying service. */
  readonly serviceName: pulumi.Input<string>;
  /** The CX webhook timeout; the latency alert fires at 80% of it. */
  readonly webhookTimeoutSeconds: number;
  /** The service's maximum instances; the saturation alert fires when this many are busy. */
  readonly maxInstances: number;
  /** The parsed `alerts` config (only when alerting is on). */
  readonly settings: AlertsOn;
}

type Threshold = gcp.types.input.monitoring.AlertPolicyConditionConditionThreshold;

const aggregation = (
  perSeriesAligner: string,
  crossSeriesReducer: string,
  ...groupBy: string[]
) => ({
  alignmentPeriod: ALIGNMENT,
  perSeriesAligner,
  crossSeriesReducer,
  ...(groupBy.length > 0 && { groupByFields: groupBy }),
});

/**
 * Alerting for one webhook service: Cloud Monitoring alert policies on the share of 5xx answers,
 * on p99 latency nearing the CX webhook timeout and on instances at the maximum, a log-based
 * metric of answers by tag and status, a dashboard of all of it, and the notification channel
 * every policy reports to.
 */
export class Alerts extends pulumi.ComponentResource {
  /** The channel's full name, `projects/…/notificationChannels/…`. */
  readonly notificationChannel: pulumi.Output<string>;
  readonly errorPolicy: gcp.monitoring.AlertPolicy;
  readonly latencyPolicy: gcp.monitoring.AlertPolicy;
  readonly saturationPolicy: gcp.monitoring.AlertPolicy;
  readonly answersMetric: gcp.logging.Metric;
  readonly dashboard: gcp.monitoring.Dashboard;

  constructor(name: string, args: AlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:Alerts', name, {}, opts);
    const { project, region, settings, maxInstances, webhookTimeoutSeconds: timeout } = args;
    const service = pulumi.output(args.serviceName);
    /** A filter on the service's revisions (Monitoring and Logging take the same form). */
    const revisions = (s: string, ...clauses: string[]) =>
      [
        'resource.type = "cloud_run_revision"',
        `resource.labels.service_name = "${s}"`,
        `resource.labels.location = "${region}"`,
        ...clauses,
      ].join(' AND ');

    const notify = settings.notify;
    this.notificationChannel =
      notify.kind === 'channel'
        ? pulumi.output(notify.name)
        : new gcp.monitoring.NotificationChannel(
            `${name}-email`,
            {
              project,
              type: 'email',
              displayName: pulumi.interpolate`cx-webhook-kit ${service}: ${notify.email}`,
              labels: { email_address: notify.email },
            },
            { parent: this },
          ).name;

    // Every condition fires above its threshold held for HOLD.
    const policy = (
      suffix: string,
      title: string,
      severity: 'ERROR' | 'WARNING',
      documentation: string[],
      condition: (s: string) => Omit<Threshold, 'comparison' | 'duration'>,
    ) =>
      new gcp.monitoring.AlertPolicy(
        `${name}-${suffix}`,
        {
          project,
          displayName: pulumi.interpolate`${service}: ${title}`,
          combiner: 'OR',
          conditions: [
            {
              displayName: title,
              conditionThreshold: service.apply((s) => ({
                ...condition(s),
                comparison: 'COMPARISON_GT',
                duration: HOLD,
                trigger: { count: 1 },
              })),
            },
          ],
          notificationChannels: [this.notificationChannel],
          severity,
          documentation: {
            mimeType: 'text/markdown',
            subject: pulumi.interpolate`[cx-webhook-kit] ${service}: ${title}`,
            content: documentation.join('\n'),
          },
          alertStrategy: { autoClose: '1800s' },
          userLabels: { app: 'cx-webhook-kit' },
        },
        { parent: this },
      );

    const percent = `${Math.round(settings.errorRatio * 1000) / 10}%`;
    // Both sides sum the request rate over every revision, so a rollout does not split the ratio.
    const requestRate = [aggregation('ALIGN_RATE', 'REDUCE_SUM')];
    this.errorPolicy = policy(
      'errors',
      `more than ${percent} of answers are 5xx`,
      'ERROR',
      [
        `More than ${percent} of the webhook's answers over ${HOLD} were 5xx: Dialogflow turns them`,
        'into `webhook.error` events and callers hear the fallback.',
        '',
        'Look at the log-based metric on the dashboard for the tag and status: 500 is a handler that',
        'threw or answered invalidly (the log line says why), 503 a deadline passed or a dependency',
        'reported itself unavailable. A new revision that started it is rolled back by redeploying',
        'the previous commit.',
      ],
      (s) => ({
        filter: revisions(s, REQUEST_COUNT, 'metric.labels.response_code_class = "5xx"'),
        aggregations: requestRate,
        denominatorFilter: revisions(s, REQUEST_COUNT),
        denominatorAggregations: requestRate,
        thresholdValue: settings.errorRatio,
      }),
    );

    const latencyMs = Math.round(timeout * 1000 * LATENCY_ALERT_SHARE);
    this.latencyPolicy = policy(
      'latency',
      `p99 latency above ${latencyMs} ms (${LATENCY_ALERT_SHARE * 100}% of the ${timeout} s webhook timeout)`,
      'WARNING',
      [
        `The slowest 1% of answers took more than ${latencyMs} ms over ${HOLD}; at`,
        `${timeout} s Dialogflow gives up and the turn fails with`,
        '`webhook.error.timeout`.',
        '',
        "Find the slow tag in the request log lines' `latencyMs`. A slow dependency belongs behind",
        '`ctx.signal` with its own timeout; cold starts show as `startupProbe` time and are cut by',
        'keeping a warm instance (minInstances).',
      ],
      (s) => ({
        filter: revisions(s, REQUEST_LATENCIES),
        // Merge every revision's latency distribution, then take its 99th percentile (ms).
        aggregations: [aggregation('ALIGN_DELTA', 'REDUCE_PERCENTILE_99')],
        thresholdValue: latencyMs,
      }),
    );

    this.saturationPolicy = policy(
      'instances',
      `busy instances at the maximum (${maxInstances})`,
      'WARNING',
      [
        `A revision has had all ${maxInstances} allowed instances busy for ${HOLD}: Cloud Run`,
        'cannot scale further, so requests queue and may fail with 429 or time out.',
        '',
        'Raise maxInstances (and check the quota), or find what keeps instances busy: a slow',
        'dependency holds every request longer. Concurrency per instance is set by the service.',
      ],
      (s) => ({
        filter: revisions(s, INSTANCE_COUNT, 'metric.labels.state = "active"'),
        // Per revision, as maxInstanceCount applies to each revision.
        aggregations: [aggregation('ALIGN_MAX', 'REDUCE_SUM', 'resource.labels.revision_name')],
        // Counts are whole, so "> max - 0.5" is "≥ max" (the API takes only GT and LT here).
        thresholdValue: maxInstances - 0.5,
      }),
    );

    this.answersMetric = new gcp.logging.Metric(
      `${name}-answers`,
      {
        project,
        name: pulumi.interpolate`${service}-webhook-answers`,
        description:
          'Webhook answers by fulfillment tag and HTTP status, from the request log line.',
        // The service's per-request log line (service/protocol/core.ts): JSON on stdout.
        filter: service.apply((s) => revisions(s, 'jsonPayload.message =~ "^webhook request"')),
        metricDescriptor: {
          metricKind: 'DELTA',
          valueType: 'INT64',
          unit: '1',
          displayName: pulumi.interpolate`${service} webhook answers`,
          labels: [
            { key: 'tag', valueType: 'STRING', description: 'fulfillmentInfo.tag of the request' },
            { key: 'status', valueType: 'STRING', description: 'HTTP status of the answer' },
          ],
        },
        labelExtractors: { tag: 'EXTRACT(jsonPayload.tag)', status: 'EXTRACT(jsonPayload.status)' },
      },
      { parent: this },
    );

    // Four tiles: answers by tag and status, then each policy with its threshold and incidents.
    const answersChart = {
      title: 'Webhook answers by tag and status (per second)',
      xyChart: {
        dataSets: [
          {
            plotType: 'STACKED_BAR',
            timeSeriesQuery: {
              timeSeriesFilter: {
                filter: pulumi.interpolate`metric.type = "logging.googleapis.com/user/${this.answersMetric.name}" AND resource.type = "cloud_run_revision"`,
                aggregation: aggregation(
                  'ALIGN_RATE',
                  'REDUCE_SUM',
                  'metric.label.tag',
                  'metric.label.status',
                ),
              },
            },
          },
        ],
      },
    };
    const policies = [this.errorPolicy, this.latencyPolicy, this.saturationPolicy];
    const charts = [answersChart, ...policies.map((p) => ({ alertChart: { name: p.name } }))];
    const tiles = charts.map((widget, i) => ({
      xPos: (i % 2) * 24,
      yPos: Math.floor(i / 2) * 16,
      width: 24,
      height: 16,
      widget,
    }));
    this.dashboard = new gcp.monitoring.Dashboard(
      `${name}-dashboard`,
      {
        project,
        dashboardJson: pulumi.jsonStringify({
          displayName: pulumi.interpolate`cx-webhook-kit ${service}`,
          mosaicLayout: { columns: 48, tiles },
        }),
      },
      { parent: this },
    );

    this.registerOutputs({
      notificationChannel: this.notificationChannel,
      dashboard: this.dashboard.id,
    });
  }
}
