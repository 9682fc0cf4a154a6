// A runtime check of what a handler returned. The TypeScript types already rule most mistakes out,
// but a handler written in JavaScript, or one that casts, can still return something CX would
// reject or silently ignore; that is a 500 here rather than a confusing turn in the agent.

const TOP_LEVEL = new Set([
  'fulfillmentResponse',
  'pageInfo',
  'sessionInfo',
  'payload',
  'targetPage',
  'targetFlow',
]);
const MESSAGE_KINDS = new Set([
  'text',
  'payload',
  'conversationSuccess',
  'outputAudioText',
  'liveAgentHandoff',
  'playAudio',
  'telephonyTransferCall',
]);
const MERGE = new Set(['APPEND', 'REPLACE', 'MERGE_BEHAVIOR_UNSPECIFIED']);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Returns why the response is invalid, or undefined when it is fine. */
export function findResponseProblem(res: unknown): string | undefined {
  if (!isObject(res)) return 'the handler did not return an object';
  for (const key of Object.keys(res)) {
    if (!TOP_LEVEL.has(key)) return `unknown response field "${key}"`;
  }
  if (res.targetPage !== undefined && res.targetFlow !== undefined) {
    return 'targetPage and targetFlow are mutually exclusive';
  }
  for (const key of ['targetPage', 'targetFlow'] as const) {
    if (res[key] !== undefined && typeof res[key] !== 'string') return `${key} must be a string`;
  }
  if (res.payload !== undefined && !isObject(res.payload)) return 'payload must be an object';
  return (
    checkFulfillment(res.fulfillmentResponse) ??
    checkSession(res.sessionInfo) ??
    checkPage(res.pageInfo)
  );
}

function checkFulfillment(fr: unknown): string | undefined {
  if (fr === undefined) return undefined;
  if (!isObject(fr)) return 'fulfillmentResponse must be an object';
  if (fr.mergeBehavior !== undefined && !MERGE.has(fr.mergeBehavior as string)) {
    return 'fulfillmentResponse.mergeBehavior must be APPEND or REPLACE';
  }
  if (fr.messages === undefined) return undefined;
  if (!Array.isArray(fr.messages)) return 'fulfillmentResponse.messages must be an array';
  for (const [i, m] of fr.messages.entries()) {
    if (!isObject(m)) return `fulfillmentResponse.messages[${i}] must be an object`;
    const kinds = Object.keys(m).filter((k) => k !== 'channel');
    if (kinds.length !== 1 || !MESSAGE_KINDS.has(kinds[0])) {
      return `fulfillmentResponse.messages[${i}] must hold exactly one of ${[...MESSAGE_KINDS].join(', ')}`;
    }
    const text = m.text;
    if (text !== undefined) {
      if (
        !isObject(text) ||
        !Array.isArray(text.text) ||
        text.text.some((t) => typeof t !== 'string')
      ) {
        return `fulfillmentResponse.messages[${i}].text.text must be an array of strings`;
      }
    }
  }
  return undefined;
}

function checkSession(si: unknown): string | undefined {
  if (si === undefined) return undefined;
  if (!isObject(si) || !isObject(si.parameters)) return 'sessionInfo.parameters must be an object';
  return undefined;
}

function checkPage(pi: unknown): string | undefined {
  if (pi === undefined) return undefined;
  const params = isObject(pi) && isObject(pi.formInfo) ? pi.formInfo.parameterInfo : undefined;
  if (!Array.isArray(params)) return 'pageInfo.formInfo.parameterInfo must be an array';
  for (const [i, p] of params.entries()) {
    if (!isObject(p) || typeof p.displayName !== 'string') {
      return `pageInfo.formInfo.parameterInfo[${i}].displayName must be a string`;
    }
    if (p.state !== undefined && p.state !== 'INVALID') {
      return `pageInfo.formInfo.parameterInfo[${i}].state may only be INVALID`;
    }
  }
  return undefined;
}
