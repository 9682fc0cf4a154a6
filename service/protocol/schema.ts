// The field tree of the v3 WebhookRequest, as proto3 JSON carries it. It drives normalisation
// (snake_case → camelCase, type checks) and is checked field by field against the official protos
// in test/service/protocol/schema.test.ts, so a drift from the proto fails a test.

export type FieldKind =
  | 'string'
  | 'bool'
  | 'float'
  | 'enum'
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

const msg = (name: string, fields: Record<string, FieldKind>): MessageSchema => ({ name, fields });
const V3 = 'google.cloud.dialogflow.cx.v3';

const parameterInfo = msg(`${V3}.PageInfo.FormInfo.ParameterInfo`, {
  displayName: 'string',
  required: 'bool',
  state: 'enum',
  value: 'value',
  justCollected: 'bool',
});

const pageInfo = msg(`${V3}.PageInfo`, {
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

const playbackText = (name: string, fields: Record<string, FieldKind>) =>
  msg(`${V3}.ResponseMessage.${name}`, { ...fields, allowPlaybackInterruption: 'bool' });

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
  responseType: 'enum',
  channel: 'string',
});

export const webhookRequestSchema: MessageSchema = msg(`${V3}.WebhookRequest`, {
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
export const webhookResponseSchema: MessageSchema = msg(`${V3}.WebhookResponse`, {
  fulfillmentResponse: msg(`${V3}.WebhookResponse.FulfillmentResponse`, {
    messages: { repeated: responseMessage },
    mergeBehavior: 'enum',
  }),
  pageInfo,
  sessionInfo,
  payload: 'struct',
  targetPage: 'string',
  targetFlow: 'string',
});
