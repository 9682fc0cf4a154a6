// A runtime check of what a handler returned. The TypeScript types already rule most mistakes out,
// but a handler written in JavaScript, or one that casts, can still return something CX would
// reject or silently ignore; that is a 500 here rather than a confusing turn in the agent.
import { conform, SchemaError, type Walk } from './normalize';
import { FLOW_NAME, PAGE_NAME } from './resourceNames';
import { namedInvalidParameter, oneMessageKind, webhookResponseSchema, type Rule } from './schema';
import type { WebhookResponse } from './types';

/**
 * Returns the response in camelCase, checked against the WebhookResponse message and the rules CX
 * applies on top of it in one walk; throws a SchemaError saying what is wrong. A field that does
 * not fit comes first, then the targets, then mergeBehavior, the messages and the form parameters.
 */
export function validateResponse(raw: unknown): WebhookResponse {
  const walk: Walk = { strict: true };
  const res = conform(
    raw,
    webhookResponseSchema,
    walk,
    'the response must be an object',
  ) as WebhookResponse;
  if (res.targetPage !== undefined && res.targetFlow !== undefined) {
    throw new SchemaError('targetPage and targetFlow are mutually exclusive');
  }
  if (res.targetPage !== undefined && !PAGE_NAME.test(res.targetPage)) {
    throw new SchemaError('targetPage must be a full page resource name (see pageInCurrentFlow)');
  }
  if (res.targetFlow !== undefined && !FLOW_NAME.test(res.targetFlow)) {
    throw new SchemaError('targetFlow must be a full flow resource name (see flowInCurrentAgent)');
  }
  const merge = res.fulfillmentResponse?.mergeBehavior as string | undefined;
  if (merge !== undefined && !['APPEND', 'REPLACE', 'MERGE_BEHAVIOR_UNSPECIFIED'].includes(merge)) {
    throw new SchemaError('fulfillmentResponse.mergeBehavior must be APPEND or REPLACE');
  }
  if (walk.broken) {
    // The walk only noted that a rule was broken; where is worked out here, once.
    firstBroken(
      walk.broken,
      oneMessageKind,
      'fulfillmentResponse.messages',
      res.fulfillmentResponse?.messages,
    );
    firstBroken(
      walk.broken,
      namedInvalidParameter,
      'pageInfo.formInfo.parameterInfo',
      res.pageInfo?.formInfo?.parameterInfo,
    );
  }
  return res;
}

function firstBroken(broken: Set<Rule>, rule: Rule, path: string, items: readonly object[] = []) {
  if (!broken.has(rule)) return;
  for (const [i, item] of items.entries()) {
    const problem = rule(item as Record<string, unknown>);
    if (problem !== undefined) throw new SchemaError(`${path}[${i}]${problem}`);
  }
}
