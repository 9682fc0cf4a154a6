// Reads an agent kept as a JSON package: the layout of the console's export and of its Git
// integration (cloud.google.com/dialogflow/cx/docs/reference/json-export):
//   agent.json
//   flows/<flow>/<flow>.json                     the flow (its routes and event handlers)
//   flows/<flow>/pages/<page>.json
//   flows/<flow>/transitionRouteGroups/<group>.json
//   transitionRouteGroups/…                      agent-level route groups
//   webhooks/<webhook>.json
// Inside these files, fulfillments name webhooks, intents and pages by display name, not by
// resource name, and file names are display names with characters like ':' percent-encoded.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CliError } from '../../lib/cli';
import type { AgentModel, Flow, FlowModel, Page, TransitionRouteGroup } from './agentModel';

function readJson<T>(root: string, path: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    throw new CliError(
      `${relative(root, path)} is not readable JSON: ${(error as Error).message}`,
      3,
    );
  }
}

const isDir = (path: string) => existsSync(path) && statSync(path).isDirectory();
const jsonFiles = (dir: string) =>
  isDir(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => join(dir, f))
    : [];
const subdirs = (dir: string) =>
  isDir(dir)
    ? readdirSync(dir)
        .sort()
        .map((d) => join(dir, d))
        .filter(isDir)
    : [];

/** `<dir>/<dir>.json`, the way the package stores a resource that has sub-folders. */
function ownFile(root: string, dir: string): string {
  const base = dir.split(/[\\/]/).pop() ?? '';
  const own = join(dir, `${base}.json`);
  if (existsSync(own)) return own;
  const files = jsonFiles(dir);
  if (files.length === 1) return files[0];
  throw new CliError(`${relative(root, dir)} holds no ${base}.json`, 3);
}

/** Route groups stored flat (`<group>.json`) or one folder per group (`<group>/<group>.json`). */
function routeGroupsIn(root: string, dir: string): TransitionRouteGroup[] {
  return [
    ...jsonFiles(dir).map((f) => readJson<TransitionRouteGroup>(root, f)),
    ...subdirs(dir).map((d) => readJson<TransitionRouteGroup>(root, ownFile(root, d))),
  ];
}

export function loadAgentFromExport(root: string): AgentModel {
  if (!existsSync(join(root, 'agent.json'))) {
    throw new CliError(
      `${root} is not an exported agent (no agent.json); export the agent as a JSON package ` +
        `and unzip it there`,
      3,
    );
  }
  const flows: FlowModel[] = subdirs(join(root, 'flows')).map((dir) => ({
    flow: readJson<Flow>(root, ownFile(root, dir)),
    pages: jsonFiles(join(dir, 'pages')).map((f) => readJson<Page>(root, f)),
    routeGroups: routeGroupsIn(root, join(dir, 'transitionRouteGroups')),
  }));
  const webhookFiles = [
    ...jsonFiles(join(root, 'webhooks')),
    ...subdirs(join(root, 'webhooks')).map((d) => ownFile(root, d)),
  ];
  const webhooks = webhookFiles.map((f) => {
    const { displayName } = readJson<{ displayName?: string }>(root, f);
    // Fulfillments in the package refer to a webhook by its display name.
    return { name: displayName ?? '', displayName: displayName ?? '' };
  });
  return {
    source: root,
    flows,
    routeGroups: routeGroupsIn(root, join(root, 'transitionRouteGroups')),
    webhooks,
    intents: new Map(),
  };
}
