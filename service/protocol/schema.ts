// The field tree of the v3 WebhookRequest and WebhookResponse, as proto3 JSON carries them. It
// drives the checks (snake_case → camelCase, types), gives WebhookRequest its TypeScript type, and
// is checked field by field against the official protos (test/service/protocol/schema.test.ts).

export type FieldKind =
  | 'string'
  | 'bool'
  | 'float'
  /** The value names, in the order of their numbers. */
  | { enum: readonly string[] }
  /** google.protobuf.Value: any JSON, kept exactly as sent. */
  | 'value'
  /** google.protobuf.Struct: a JSON object, kept exactly as sent. */
  | 'struct'
  | MessageSchema
  | { repeated: FieldKind }
  /** A proto map: keys are data and are never re-cased. */
  | { map: FieldKind };

export interface MessageSchema {
  /** The proto message's full name, for error messages and the conformance test. */
  name: string;
  fields: Readonly<Record<string, FieldKind>>;
}

const msg = <const F extends Record<string, FieldKind>>(name: string, fields: F) => ({
  name,
  fields,
});
const V3 = 'google.cloud.dialogflow.cx.v3';

const parameterInfo = {
  ...msg(`${V3}.PageInfo.FormInfo.ParameterInfo`, {
    displayName: 'string',
    required: 'bool',
    state: { enum: ['PARAMETER_STATE_UNSPECIFIED', 'EMPTY', 'INVALID', 'FILLED'] },
    value: 'value',
    justCollected: 'bool',
  }),
  // Typed as always there: webhook.proto says "Always present for WebhookRequest" (the name is
  // what handlers find a parameter by).
  present: ['displayName'] as const,
};

const pageInfo = msg(`${V3}.PageInfo`, {
  /** A full resource name: `projects/…/locations/…/agents/…/flows/…/pages/…`. */
  currentPage: 'string',
  displayName: 'string',
  formInfo: msg(`${V3}.PageInfo.FormInfo`, { parameterInfo: { repeated: parameterInfo } }),
});

const sessionInfo = msg(`${V3}.SessionInfo`, {
  session: 'string',
  parameters: { map: 'value' },
});

const intentInfo = msg(`${V3}.WebhookRequest.IntentInfo`, {
  lastMatchedIntent: 'string',
  displayName: 'string',
  parameters: {
    map: msg(`${V3}.WebhookRequest.IntentInfo.IntentParameterValue`, {
      originalValue: 'string',
      resolvedValue: 'value',
    }),
  },
  confidence: 'float',
});

const playbackText = <const F extends Record<string, FieldKind>>(name: string, fields: F) =>
  msg(`${V3}.ResponseMessage.${name}`, { ...fields, allowPlaybackInterruption: 'bool' as const });

const responseMessage = msg(`${V3}.ResponseMessage`, {
  text: playbackText('Text', { text: { repeated: 'string' } }),
  payload: 'struct',
  conversationSuccess: msg(`${V3}.ResponseMessage.ConversationSuccess`, { metadata: 'struct' }),
  outputAudioText: playbackText('OutputAudioText', { text: 'string', ssml: 'string' }),
  liveAgentHandoff: msg(`${V3}.ResponseMessage.LiveAgentHandoff`, { metadata: 'struct' }),
  endInteraction: msg(`${V3}.ResponseMessage.EndInteraction`, {}),
  playAudio: playbackText('PlayAudio', { audioUri: 'string' }),
  mixedAudio: msg(`${V3}.ResponseMessage.MixedAudio`, {
    segments: {
      repeated: msg(`${V3}.ResponseMessage.MixedAudio.Segment`, {
        audio: 'string',
        uri: 'string',
        allowPlaybackInterruption: 'bool',
      }),
    },
  }),
  telephonyTransferCall: msg(`${V3}.ResponseMessage.TelephonyTransferCall`, {
    phoneNumber: 'string',
  }),
  knowledgeInfoCard: msg(`${V3}.ResponseMessage.KnowledgeInfoCard`, {}),
  toolCall: msg(`${V3}.ToolCall`, { tool: 'string', action: 'string', inputParameters: 'struct' }),
  responseType: {
    enum: ['RESPONSE_TYPE_UNSPECIFIED', 'ENTRY_PROMPT', 'PARAMETER_PROMPT', 'HANDLER_PROMPT'],
  },
  channel: 'string',
});

export const webhookRequestSchema = msg(`${V3}.WebhookRequest`, {
  detectIntentResponseId: 'string',
  text: 'string',
  triggerIntent: 'string',
  transcript: 'string',
  triggerEvent: 'string',
  dtmfDigits: 'string',
  languageCode: 'string',
  fulfillmentInfo: msg(`${V3}.WebhookRequest.FulfillmentInfo`, { tag: 'string' }),
  intentInfo,
  pageInfo,
  sessionInfo,
  messages: { repeated: responseMessage },
  payload: 'struct',
  sentimentAnalysisResult: msg(`${V3}.WebhookRequest.SentimentAnalysisResult`, {
    score: 'float',
    magnitude: 'float',
  }),
  languageInfo: msg(`${V3}.LanguageInfo`, {
    inputLanguageCode: 'string',
    resolvedLanguageCode: 'string',
    confidenceScore: 'float',
  }),
});

/** The v3 WebhookResponse, for checking and normalising what handlers return. */
export const webhookResponseSchema = msg(`${V3}.WebhookResponse`, {
  fulfillmentResponse: msg(`${V3}.WebhookResponse.FulfillmentResponse`, {
    messages: { repeated: responseMessage },
    mergeBehavior: { enum: ['MERGE_BEHAVIOR_UNSPECIFIED', 'APPEND', 'REPLACE'] },
  }),
  pageInfo,
  sessionInfo,
  payload: 'struct',
  targetPage: 'string',
  targetFlow: 'string',
});
