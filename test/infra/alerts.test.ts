import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type * as pulumi from '@pulumi/pulumi';
import type { AlertsOn } from '../../infra/alertsConfig';
import type * as alertsModule from '../../infra/components/alerts';
import type * as fakeGcpModule from '../../infra/plan/fakeGcp';
import { createApp, createLogger, createWebhookServer, loadConfig, reply } from '../../service';

const PROJECT = 'acme-cx-webhooks-prod';
const REGION = 'europe-west1';
const SERVICE = 'cx-webhook-prod';
// Each isolated Pulumi runtime adds a process 'exit' hook; this suite starts several.
process.setMaxListeners(50);
const CHANNEL = `projects/${PROJECT}/notificationChannels/987654321`;
const EMAIL: AlertsOn = {
  enabled: true,
  notify: { kind: 'email', email: 'oncall@acme.example' },
  errorRatio: 0.05,
};

const ALERT = 'gcp:monitoring/alertPolicy:AlertPolicy';
const CHANNEL_TYPE = 'gcp:monitoring/notificationChannel:NotificationChannel';
const METRIC = 'gcp:logging/metric:Metric';
const DASHBOARD = 'gcp:monitoring/dashboard:Dashboard';

interface Recorded {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly outputs: Record<string, unknown>;
  readonly provider?: string;
}

interface Threshold {
  filter: string;
  denominatorFilter?: string;
  aggregations: Record<string, unknown>[];
  comparison: string;
  thresholdValue: number;
  duration: string;
}

interface RunOptions {
  settings?: AlertsOn;
  webhookTimeoutSeconds?: number;
  maxInstances?: number;
  /** Pass the service name as an output, as a function target's underlying service arrives. */
  serviceAsOutput?: boolean;
}

/**
 * Builds the component alone under Pulumi's mocks, with the same model of Google Cloud the offline
 * plan uses, in a fresh Pulumi runtime, and records every resource it registers.
 */
async function runAlerts(options: RunOptions = {}): Promise<Recorded[]> {
  const recorded: Recorded[] = [];
  await jest.isolateModulesAsync(async () => {
    const sdk = require('@pulumi/pulumi') as typeof pulumi;
    const gcp = require('@pulumi/gcp') as typeof import('@pulumi/gcp');
    const { FakeGcp } = require('../../infra/plan/fakeGcp') as typeof fakeGcpModule;
    const { Alerts } = require('../../infra/components/alerts') as typeof alertsModule;
    const fake = new FakeGcp();
    await sdk.runtime.setMocks(
      {
        newResource: (args) => {
          const result = fake.newResource(args);
          recorded.push({ ...args, outputs: result.state });
          return result;
        },
        call: (args) => fake.call(args),
      },
      'cx-webhook-kit',
      'prod',
      false,
    );
    const provider = new gcp.Provider('webhook', { project: PROJECT, region: REGION });
    const alerts = new Alerts(
      'webhook-alerts',
      {
        project: PROJECT,
        region: REGION,
        serviceName: options.serviceAsOutput ? sdk.output(SERVICE) : SERVICE,
        webhookTimeoutSeconds: options.webhookTimeoutSeconds ?? 5,
        maxInstances: options.maxInstances ?? 20,
        settings: options.settings ?? EMAIL,
      },
      { provider },
    );
    // The dashboard waits for every other resource of the component; the component registers its
    // outputs last, and a later run must not start before that lands (disconnect drains the RPCs).
    await new Promise((resolve) => alerts.dashboard.id.apply(resolve));
    await sdk.runtime.disconnect();
  });
  return recorded;
}

const ofType = (run: Recorded[], type: string) => run.filter((r) => r.type === type);
const policy = (run: Recorded[], suffix: string) => {
  const found = ofType(run, ALERT).find((r) => r.name === `webhook-alerts-${suffix}`);
  if (!found) throw new Error(`no alert policy ${suffix}`);
  return found;
};
const threshold = (r: Recorded) =>
  (r.inputs.conditions as { conditionThreshold: Threshold }[])[0].conditionThreshold;

const THIS_SERVICE = [
  'resource.type = "cloud_run_revision"',
  `resource.labels.service_name = "${SERVICE}"`,
  `resource.labels.location = "${REGION}"`,
];

describe('Alerts', () => {
  let run: Recorded[];
  // The other settings at once: an existing channel, a 12 s timeout, 3 instances, and the service
  // name arriving as an output, as a function target's underlying service does.
  let variant: Recorded[];
  beforeAll(async () => {
    run = await runAlerts();
    variant = await runAlerts({
      settings: { enabled: true, notify: { kind: 'channel', name: CHANNEL }, errorRatio: 0.05 },
      webhookTimeoutSeconds: 12,
      maxInstances: 3,
      serviceAsOutput: true,
    });
  }, 60_000);

  it('every alert notifies the configured channel: one email channel made for the address', () => {
    const [channel] = ofType(run, CHANNEL_TYPE);
    expect(ofType(run, CHANNEL_TYPE)).toHaveLength(1);
    expect(channel.inputs).toEqual(
      expect.objectContaining({
        project: PROJECT,
        type: 'email',
        labels: { email_address: 'oncall@acme.example' },
      }),
    );
    const alerts = ofType(run, ALERT);
    expect(alerts.map((a) => a.name).sort()).toEqual(
      ['webhook-alerts-errors', 'webhook-alerts-instances', 'webhook-alerts-latency'].sort(),
    );
    for (const alert of alerts) {
      expect(alert.inputs.notificationChannels).toEqual([channel.outputs.name]);
      expect(alert.inputs.project).toBe(PROJECT);
    }
  });

  it('every alert notifies an existing channel by its name, and creates none', () => {
    expect(ofType(variant, CHANNEL_TYPE)).toHaveLength(0);
    const alerts = ofType(variant, ALERT);
    expect(alerts).toHaveLength(3);
    for (const alert of alerts) expect(alert.inputs.notificationChannels).toEqual([CHANNEL]);
  });

  it('the error alert fires on the share of 5xx among all of this service’s requests', () => {
    const t = threshold(policy(run, 'errors'));
    expect(t.filter).toBe(
      [
        ...THIS_SERVICE,
        'metric.type = "run.googleapis.com/request_count"',
        'metric.labels.response_code_class = "5xx"',
      ].join(' AND '),
    );
    expect(t.denominatorFilter).toBe(
      [...THIS_SERVICE, 'metric.type = "run.googleapis.com/request_count"'].join(' AND '),
    );
    // A ratio is only a ratio when both sides are aligned and reduced alike.
    expect(t.aggregations).toEqual(
      (t as unknown as { denominatorAggregations: unknown }).denominatorAggregations,
    );
    expect(t.aggregations).toEqual([
      expect.objectContaining({ perSeriesAligner: 'ALIGN_RATE', crossSeriesReducer: 'REDUCE_SUM' }),
    ]);
    expect(t.comparison).toBe('COMPARISON_GT');
    expect(t.thresholdValue).toBe(0.05);
  });

  it.each([5, 12])('the latency alert fires at 80%% of the webhook timeout (%i s)', (seconds) => {
    const latency = policy(seconds === 5 ? run : variant, 'latency');
    const t = threshold(latency);
    expect(t.filter).toBe(
      [...THIS_SERVICE, 'metric.type = "run.googleapis.com/request_latencies"'].join(' AND '),
    );
    // request_latencies is in milliseconds.
    expect(t.thresholdValue).toBe(seconds * 800);
    expect(t.aggregations).toEqual([
      expect.objectContaining({
        perSeriesAligner: 'ALIGN_DELTA',
        crossSeriesReducer: 'REDUCE_PERCENTILE_99',
      }),
    ]);
    expect(t.comparison).toBe('COMPARISON_GT');
    expect(latency.inputs.displayName).toContain(`${seconds} s webhook timeout`);
  });

  it('the instances alert fires when a revision has every allowed instance busy', () => {
    const t = threshold(policy(run, 'instances'));
    expect(t.filter).toBe(
      [
        ...THIS_SERVICE,
        'metric.type = "run.googleapis.com/container/instance_count"',
        'metric.labels.state = "active"',
      ].join(' AND '),
    );
    expect(t.aggregations).toEqual([
      expect.objectContaining({
        perSeriesAligner: 'ALIGN_MAX',
        groupByFields: ['resource.labels.revision_name'],
      }),
    ]);
    // Counts are whole numbers: GT the threshold must hold at max busy instances, not at max - 1.
    const three = threshold(policy(variant, 'instances'));
    for (const [max, value] of [
      [20, t.thresholdValue],
      [3, three.thresholdValue],
    ]) {
      expect(max).toBeGreaterThan(value);
      expect(max - 1).toBeLessThan(value);
    }
  }, 60_000);

  it('uses only the comparisons the Monitoring API accepts for metric thresholds (GT, LT)', () => {
    // "The Cloud Monitoring API only supports COMPARISON_LT and COMPARISON_GT for metric-threshold
    // conditions" (@pulumi/gcp AlertPolicyConditionConditionThreshold.comparison; API reference
    // projects.alertPolicies#MetricThreshold).
    for (const alert of ofType(run, ALERT)) {
      expect(['COMPARISON_GT', 'COMPARISON_LT']).toContain(threshold(alert).comparison);
      expect(threshold(alert).duration).toBe('300s');
    }
  });

  it('every alert says what it means and what to do, in Markdown', () => {
    for (const alert of ofType(run, ALERT)) {
      const doc = alert.inputs.documentation as { mimeType: string; content: string };
      expect(doc.mimeType).toBe('text/markdown');
      expect(doc.content.length).toBeGreaterThan(200);
      expect(alert.inputs.displayName).toMatch(new RegExp(`^${SERVICE}: `));
    }
  });

  it("the log metric's filter selects this service's request lines", () => {
    const [metric] = ofType(run, METRIC);
    expect(ofType(run, METRIC)).toHaveLength(1);
    expect(metric.inputs.name).toBe(`${SERVICE}-webhook-answers`);
    expect(metric.inputs.filter).toBe(
      [...THIS_SERVICE, 'jsonPayload.message =~ "^webhook request"'].join(' AND '),
    );
    expect(metric.inputs.labelExtractors).toEqual({
      tag: 'EXTRACT(jsonPayload.tag)',
      status: 'EXTRACT(jsonPayload.status)',
    });
    expect(metric.inputs.metricDescriptor).toEqual(
      expect.objectContaining({
        metricKind: 'DELTA',
        valueType: 'INT64',
        labels: [
          expect.objectContaining({ key: 'tag', valueType: 'STRING' }),
          expect.objectContaining({ key: 'status', valueType: 'STRING' }),
        ],
      }),
    );
  });

  it("the log metric reads fields the service's real request lines carry", async () => {
    // The service's own app and logger: every per-request line, answered or refused, must match
    // the metric's message prefix and carry the fields its label extractors read.
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean))
          lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const server = createWebhookServer(
      createApp({
        ...loadConfig({}),
        handlers: { greeting: (req) => reply(req).text('hi').build() },
        logger: createLogger({ level: 'info', destination: sink }),
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const post = async (body: string) =>
      (
        await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        })
      ).status;
    try {
      expect(await post(JSON.stringify({ fulfillmentInfo: { tag: 'greeting' } }))).toBe(200);
      expect(await post(JSON.stringify({ fulfillmentInfo: { tag: 'nobody' } }))).toBe(404);
      expect(await post('{not json')).toBe(400);
    } finally {
      server.closeAllConnections();
      server.close();
    }

    const requestLines = lines.filter((l) => typeof l.status === 'number');
    expect(requestLines.map((l) => l.status)).toEqual([200, 404, 400]);
    for (const line of requestLines) expect(line.message).toMatch(/^webhook request/);
    expect(requestLines.slice(0, 2).map((l) => l.tag)).toEqual(['greeting', 'nobody']);
  });

  it('the dashboard shows the answers metric and each alert policy', () => {
    const [dashboard] = ofType(run, DASHBOARD);
    const json = JSON.parse(dashboard.inputs.dashboardJson as string) as {
      mosaicLayout: { tiles: { widget: Record<string, any> }[] }; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const widgets = json.mosaicLayout.tiles.map((t) => t.widget);
    const answers = widgets[0].xyChart.dataSets[0].timeSeriesQuery.timeSeriesFilter;
    expect(answers.filter).toContain(
      `metric.type = "logging.googleapis.com/user/${SERVICE}-webhook-answers"`,
    );
    expect(answers.aggregation.groupByFields).toEqual(['metric.label.tag', 'metric.label.status']);
    const charted = widgets.slice(1).map((w) => (w.alertChart as { name: string }).name);
    expect(charted.sort()).toEqual(
      ofType(run, ALERT)
        .map((a) => a.outputs.name)
        .sort(),
    );
    // Tiles must not overlap on the 48-column grid.
    const cells = new Set<string>();
    for (const tile of json.mosaicLayout.tiles as unknown as Record<string, number>[]) {
      expect(tile.xPos + tile.width).toBeLessThanOrEqual(48);
      for (let x = tile.xPos; x < tile.xPos + tile.width; x++) {
        for (let y = tile.yPos; y < tile.yPos + tile.height; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it('every resource uses the provider passed in resource options, never a default one', () => {
    const custom = run.filter(
      (r) => r.type.startsWith('gcp:') && r.type !== 'pulumi:providers:gcp',
    );
    expect(custom.length).toBe(6);
    for (const r of custom) expect(r.provider).toMatch(/::pulumi:providers:gcp::webhook::/);
    expect(run.filter((r) => r.type === 'pulumi:providers:gcp').map((r) => r.name)).toEqual([
      'webhook',
    ]);
  });

  it("takes a function target's service name as an output", () => {
    expect(ofType(variant, METRIC)[0].inputs.filter).toBe(ofType(run, METRIC)[0].inputs.filter);
    expect(threshold(policy(variant, 'errors')).filter).toBe(
      threshold(policy(run, 'errors')).filter,
    );
  });
});
