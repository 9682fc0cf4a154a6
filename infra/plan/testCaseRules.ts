// Rules Dialogflow CX applies to a test case, from test_case.proto and session.proto (v3) as
// @google-cloud/dialogflow-cx ships them: the mock model refuses what the API would.
import { FLOW_NAME } from './cxRules';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument */
type Json = Record<string, any>;

const PAGE_NAME =
  /^(projects\/[^/]+\/locations\/[^/]+\/agents\/[^/]+)\/flows\/[^/]+\/pages\/[^/]+$/;
const INTENT_NAME = /^(projects\/[^/]+\/locations\/[^/]+\/agents\/[^/]+)\/intents\/[^/]+$/;

function jsonObject(text: string | undefined, where: string): void {
  if (text === undefined) return;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${where}: not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${where}: must be a JSON object (a google.protobuf.Struct)`);
  }
}

/**
 * TestCase: display_name required, ≤ 200 characters, notes ≤ 400; each tag starts with '#' and has
 * ≤ 30 characters; test_config names a flow or a page, not both; TextInput.text ≤ 256 characters;
 * QueryInput is one of text, event, dtmf; the intent and page a turn expects are the agent's.
 */
export function checkTestCase(i: Json, agent: string, where: string): void {
  if (!i.displayName || String(i.displayName).length > 200) {
    throw new Error(`${where}: displayName is required, at most 200 characters`);
  }
  if (i.notes && String(i.notes).length > 400)
    throw new Error(`${where}: notes over 400 characters`);
  for (const tag of (i.tags ?? []) as string[]) {
    if (!tag.startsWith('#') || tag.length > 30) {
      throw new Error(`${where}: tag "${tag}" must start with # and have at most 30 characters`);
    }
  }
  const config = (i.testConfig ?? {}) as Json;
  if (config.flow && config.page) throw new Error(`${where}: testConfig takes a flow or a page`);
  if (config.flow && FLOW_NAME.exec(String(config.flow))?.[1] !== agent) {
    throw new Error(`${where}: testConfig.flow ${config.flow} is not a flow of ${agent}`);
  }
  ((i.testCaseConversationTurns ?? []) as Json[]).forEach((turn, n) => {
    const at = `${where} testCaseConversationTurns[${n}]`;
    const input = (turn.userInput?.input ?? {}) as Json;
    const kinds = ['text', 'event', 'dtmf'].filter((k) => input[k] !== undefined);
    if (kinds.length !== 1) throw new Error(`${at}: the input is one of text, event, dtmf`);
    if (input.text && String(input.text.text).length > 256) {
      throw new Error(`${at}: text input over 256 characters`);
    }
    jsonObject(turn.userInput?.injectedParameters, `${at} injectedParameters`);
    const output = (turn.virtualAgentOutput ?? {}) as Json;
    jsonObject(output.sessionParameters, `${at} sessionParameters`);
    const intent = output.triggeredIntent?.name;
    if (intent !== undefined && INTENT_NAME.exec(String(intent))?.[1] !== agent) {
      throw new Error(`${at}: intent ${intent} is not an intent of ${agent}`);
    }
    for (const page of [output.currentPage?.name, config.page].filter((p) => p !== undefined)) {
      if (PAGE_NAME.exec(String(page))?.[1] !== agent) {
        throw new Error(`${at}: page ${page} is not a page of ${agent}`);
      }
    }
  });
}
