// The Dialogflow CX v3 webhook JSON shapes (google.cloud.dialogflow.cx.v3.WebhookRequest and
// WebhookResponse), in lowerCamelCase as proto3 JSON writes them. Every field is optional except
// where the proto says "always present"; default values are omitted on the wire.

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export type ParameterState = 'PARAMETER_STATE_UNSPECIFIED' | 'EMPTY' | 'INVALID' | 'FILLED';

/** A form parameter as it arrives in `pageInfo.formInfo.parameterInfo[]`. */
export interface RequestParameterInfo {
  displayName: string;
  required?: boolean;
  state?: ParameterState;
  value?: JsonValue;
  justCollected?: boolean;
}

export interface PageInfo {
  /** Full resource name: `projects/…/locations/…/agents/…/flows/…/pages/…`. */
  currentPage?: string;
  displayName?: string;
  formInfo?: { parameterInfo?: RequestParameterInfo[] };
}

export interface SessionInfo {
  /** `projects/…/agents/…/sessions/<id>` or `…/environments/<env>/sessions/<id>`. */
  session?: string;
  /** Keyed by parameter display name; values are any JSON. */
  parameters?: Record<string, JsonValue>;
}

export interface IntentParameterValue {
  originalValue?: string;
  resolvedValue?: JsonValue;
}

export interface IntentInfo {
  lastMatchedIntent?: string;
  displayName?: string;
  parameters?: Record<string, IntentParameterValue>;
  confidence?: number;
}

export type ResponseType =
  'RESPONSE_TYPE_UNSPECIFIED' | 'ENTRY_PROMPT' | 'PARAMETER_PROMPT' | 'HANDLER_PROMPT';

/** A queued message as CX sends it; includes the output-only kinds CX generates itself. */
export interface RequestMessage {
  text?: { text?: string[]; allowPlaybackInterruption?: boolean };
  payload?: JsonObject;
  conversationSuccess?: { metadata?: JsonObject };
  outputAudioText?: { text?: string; ssml?: string; allowPlaybackInterruption?: boolean };
  liveAgentHandoff?: { metadata?: JsonObject };
  endInteraction?: Record<string, never>;
  playAudio?: { audioUri?: string; allowPlaybackInterruption?: boolean };
  mixedAudio?: {
    segments?: { audio?: string; uri?: string; allowPlaybackInterruption?: boolean }[];
  };
  telephonyTransferCall?: { phoneNumber?: string };
  knowledgeInfoCard?: Record<string, never>;
  toolCall?: { tool?: string; action?: string; inputParameters?: JsonObject };
  responseType?: ResponseType;
  channel?: string;
}

export interface WebhookRequest {
  detectIntentResponseId?: string;
  /** At most one of the five query fields is set (proto oneof `query`). */
  text?: string;
  triggerIntent?: string;
  transcript?: string;
  triggerEvent?: string;
  dtmfDigits?: string;
  languageCode?: string;
  fulfillmentInfo?: { tag?: string };
  intentInfo?: IntentInfo;
  pageInfo?: PageInfo;
  sessionInfo?: SessionInfo;
  messages?: RequestMessage[];
  payload?: JsonObject;
  sentimentAnalysisResult?: { score?: number; magnitude?: number };
  languageInfo?: {
    inputLanguageCode?: string;
    resolvedLanguageCode?: string;
    confidenceScore?: number;
  };
}

// ---- Response: only what a webhook may send and CX acts on ----

/** One message a webhook may send. Exactly one kind per message (proto oneof `message`). */
export type ResponseMessage = (
  | { text: { text: string[] } }
  | { payload: JsonObject }
  | { conversationSuccess: { metadata?: JsonObject } }
  | { outputAudioText: { text: string } | { ssml: string } }
  | { liveAgentHandoff: { metadata?: JsonObject } }
  | { playAudio: { audioUri: string } }
  | { telephonyTransferCall: { phoneNumber: string } }
) & { channel?: string };

export type MergeBehavior = 'APPEND' | 'REPLACE';

/** In a response only INVALID has an effect; the type admits nothing else. */
export interface ResponseParameterInfo {
  displayName: string;
  required?: boolean;
  state?: 'INVALID';
  value?: JsonValue;
}

interface WebhookResponseBase {
  fulfillmentResponse?: { messages?: ResponseMessage[]; mergeBehavior?: MergeBehavior };
  pageInfo?: { formInfo: { parameterInfo: ResponseParameterInfo[] } };
  /** A `null` value deletes that session parameter. */
  sessionInfo?: { parameters: Record<string, JsonValue> };
  payload?: JsonObject;
}

/** `targetPage` and `targetFlow` form a oneof: never both. */
export type WebhookResponse = WebhookResponseBase &
  (
    | { targetPage?: string; targetFlow?: undefined }
    | { targetFlow?: string; targetPage?: undefined }
  );
