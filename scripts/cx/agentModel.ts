// The parts of a CX agent that can call a webhook, in the v3 field names, read from the live agent
// (the official clients) or from an exported agent package (the console's JSON export and its Git
// integration). The two differ in how they refer to things: the API by resource name, the export
// by display name.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { protos } from '@google-cloud/dialogflow-cx';
import { CliError } from '../../lib/cli';
import { CALL_OPTIONS, v3Clients, type DialogflowClientOptions } from './connection';

export type Flow = protos.google.cloud.dialogflow.cx.v3.IFlow;
export type Page = protos.google.cloud.dialogflow.cx.v3.IPage;
export type TransitionRouteGroup = protos.google.cloud.dialogflow.cx.v3.ITransitionRouteGroup;

interface FlowModel {
  readonly flow: Flow;
  readonly pages: readonly Page[];
  /** The flow's own route groups. */
  readonly routeGroups: readonly TransitionRouteGroup[];
}

export interface AgentModel {
  /** The agent's resource name, or the directory of an exported package. */
  readonly source: string;
  readonly flows: readonly FlowModel[];
  /** Route groups defined at agent level, shared by every flow. */
  readonly routeGroups: readonly TransitionRouteGroup[];
  /** `name` is what fulfillments use to refer to a webhook in this source. */
  readonly webhooks: readonly { readonly name: string; readonly displayName: string }[];
  /** Intent reference → display name, for readable route labels. */
  readonly intents: ReadonlyMap<string, string>;
}

/**
 * `<agent id>/<collection>/<id>` of a resource name: the same resource whether its project is
 * written as the project ID or its number (the API and the stack outputs may differ there). A
 * reference that is no resource name (an exported agent's display name) is its own key.
 */
export function resourceKey(name: string): string {
  const match = /(?:^|\/)agents\/([^/]+)\/([a-zA-Z]+)\/([^/]+)$/.exec(name);
  return match ? `${match[1]}/${match[2]}/${match[3]}` : name;
}

export const sameResource = (a: string, b: string) => resourceKey(a) === resourceKey(b);

/** Every flow with its pages and route groups, the agent's route groups, webhooks and intents. */
export async function loadAgentFromApi(
  agent: string,
  options: DialogflowClientOptions,
): Promise<AgentModel> {
  const v3 = v3Clients();
  const flows = new v3.FlowsClient(options);
  const pages = new v3.PagesClient(options);
  const groups = new v3.TransitionRouteGroupsClient(options);
  const webhooks = new v3.WebhooksClient(options);
  const intents = new v3.IntentsClient(options);
  try {
    // The list calls page through results by themselves (the clients' autoPaginate default).
    const [[flowList], [agentGroups], [webhookList], [intentList]] = await Promise.all([
      flows.listFlows({ parent: agent }, CALL_OPTIONS),
      groups.listTransitionRouteGroups({ parent: agent }, CALL_OPTIONS),
      webhooks.listWebhooks({ parent: agent }, CALL_OPTIONS),
      intents.listIntents({ parent: agent, intentView: 'INTENT_VIEW_PARTIAL' }, CALL_OPTIONS),
    ]);
    return {
      source: agent,
      flows: await Promise.all(
        flowList.map(async (flow) => {
          const parent = flow.name ?? '';
          const [[pageList], [routeGroups]] = await Promise.all([
            pages.listPages({ parent }, CALL_OPTIONS),
            groups.listTransitionRouteGroups({ parent }, CALL_OPTIONS),
          ]);
          return { flow, pages: pageList, routeGroups };
        }),
      ),
      routeGroups: agentGroups,
      webhooks: webhookList.map((w) => ({ name: w.name ?? '', displayName: w.displayName ?? '' })),
      intents: new Map(intentList.map((i) => [i.name ?? '', i.displayName ?? ''])),
    };
  } finally {
    await Promise.all([flows, pages, groups, webhooks, intents].map((c) => c.close()));
  }
}

/**
 * An agent kept as a JSON package, in the layout of the console's export and of its Git
 * integration (cloud.google.com/dialogflow/cx/docs/reference/json-export): `agent.json`,
 * `flows/<flow>/<flow>.json` with `pages/` and `transitionRouteGroups/` beside it, agent-level
 * `transitionRouteGroups/`, `webhooks/`. File names are display names with characters like ':'
 * percent-encoded, and fulfillments name webhooks by display name.
 */
export function loadAgentFromExport(root: string): AgentModel {
  if (!existsSync(join(root, 'agent.json'))) {
    throw new CliError(
      `${root} is not an exported agent (no agent.json); export the agent as a JSON package ` +
        `and unzip it there`,
      3,
    );
  }
  const readJson = <T>(path: string): T => {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as T;
    } catch (error) {
      const why = (error as Error).message;
      throw new CliError(`${relative(root, path)} is not readable JSON: ${why}`, 3);
    }
  };
  const isDir = (path: string) => existsSync(path) && statSync(path).isDirectory();
  const list = (dir: string) => (isDir(dir) ? readdirSync(dir).sort() : []);
  const jsonFiles = (dir: string) =>
    list(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(dir, f));
  const subdirs = (dir: string) =>
    list(dir)
      .map((d) => join(dir, d))
      .filter(isDir);
  // `<dir>/<dir>.json`, the way the package stores a resource that has sub-folders.
  const ownFile = (dir: string) => {
    const base = dir.split(/[\\/]/).pop() ?? '';
    const files = jsonFiles(dir);
    if (existsSync(join(dir, `${base}.json`))) return join(dir, `${base}.json`);
    if (files.length === 1) return files[0];
    throw new CliError(`${relative(root, dir)} holds no ${base}.json`, 3);
  };
  // Stored flat (`<name>.json`) or one folder per resource (`<name>/<name>.json`).
  const resources = <T>(dir: string) =>
    [...jsonFiles(dir), ...subdirs(dir).map(ownFile)].map((f) => readJson<T>(f));

  return {
    source: root,
    flows: subdirs(join(root, 'flows')).map((dir) => ({
      flow: readJson<Flow>(ownFile(dir)),
      pages: jsonFiles(join(dir, 'pages')).map((f) => readJson<Page>(f)),
      routeGroups: resources<TransitionRouteGroup>(join(dir, 'transitionRouteGroups')),
    })),
    routeGroups: resources<TransitionRouteGroup>(join(root, 'transitionRouteGroups')),
    // Fulfillments in the package refer to a webhook by its display name.
    webhooks: resources<{ displayName?: string }>(join(root, 'webhooks')).map((w) => ({
      name: w.displayName ?? '',
      displayName: w.displayName ?? '',
    })),
    intents: new Map(),
  };
}
