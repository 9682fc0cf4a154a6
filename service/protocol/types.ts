// The Dialogflow CX v3 webhook JSON shapes (google.cloud.dialogflow.cx.v3.WebhookRequest and
// WebhookResponse), in lowerCamelCase as proto3 JSON writes them; default values are omitted.
import type { webhookRequestSchema } from './schema';

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** The TypeScript type of a schema field: what the request check lets through. */
type Infer<K> = K extends 'string'
  ? string
  : K extends 'bool'
    ? boolean
    : K extends 'float'
      ? number
      : K extends 'value'
        ? JsonValue
        : K extends 'struct'
          ? JsonObject
          : K extends { enum: readonly (infer E)[] }
            ? E
            : K extends { repeated: infer R }
              ? Infer<R>[]
              : K extends { map: infer M }
                ? Record<string, Infer<M>>
                : K extends { fields: infer F }
                  ? { -readonly [P in keyof F]?: Infer<F[P]> } & Present<K, F>
                  : never;

/** The fields a message's schema lists as always present, typed required. */
type Present<K, F> = K extends { present: readonly (infer P extends keyof F)[] }
  ? { -readonly [N in P]-?: Infer<F[N]> }
  : unknown;

/**
 * The request as handlers receive it. Of the five query fields (`text`, `triggerIntent`,
 * `transcript`, `triggerEvent`, `dtmfDigits`) at most one is set; `sessionInfo.session` is
 * `projects/…/agents/…/sessions/<id>` (or `…/environments/<env>/sessions/<id>`), and its
 * `parameters` are keyed by parameter display name.
 */
export type WebhookRequest = Infer<typeof webhookRequestSchema>;
export type PageInfo = NonNullable<WebhookRequest['pageInfo']>;
export type SessionInfo = NonNullable<WebhookRequest['sessionInfo']>;
export type IntentInfo = NonNullable<WebhookRequest['intentInfo']>;
export type IntentParameterValue = NonNullable<IntentInfo['parameters']>[string];
/** A queued message as CX sends it; includes the output-only kinds CX generates itself. */
export type RequestMessage = NonNullable<WebhookRequest['messages']>[number];
export type ResponseType = NonNullable<RequestMessage['responseType']>;
/** A form parameter as it arrives in `pageInfo.formInfo.parameterInfo[]`. */
export type RequestParameterInfo = NonNullable<
  NonNullable<PageInfo['formInfo']>['parameterInfo']
>[number];
export type ParameterState = NonNullable<RequestParameterInfo['state']>;

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
