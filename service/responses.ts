import type {
  JsonObject,
  JsonValue,
  MergeBehavior,
  ResponseMessage,
  ResponseParameterInfo,
  WebhookRequest,
  WebhookResponse,
} from './protocol/types';
import { FLOW_NAME, PAGE_NAME } from './protocol/validate';

// Builder errors never quote the value they refuse: it is often the caller's data (a session
// parameter), and error messages reach the logs.
function currentFlow(request: WebhookRequest): string {
  const page = request.pageInfo?.currentPage ?? '';
  if (!PAGE_NAME.test(page)) {
    throw new TypeError('pageInfo.currentPage is missing or not a page resource name');
  }
  return page.slice(0, page.lastIndexOf('/pages/'));
}

/**
 * The full resource name of a page in the flow the session is in, from `pageInfo.currentPage`.
 * `pageId` is the page's ID, or a symbolic page: END_FLOW, END_SESSION, CURRENT_PAGE,
 * PREVIOUS_PAGE, START_PAGE.
 */
export function pageInCurrentFlow(request: WebhookRequest, pageId: string): string {
  return `${currentFlow(request)}/pages/${encodeURIComponent(pageId)}`;
}

/** The full resource name of another flow in the same agent. */
export function flowInCurrentAgent(request: WebhookRequest, flowId: string): string {
  const flow = currentFlow(request);
  return `${flow.slice(0, flow.lastIndexOf('/flows/'))}/flows/${encodeURIComponent(flowId)}`;
}

/**
 * Builds a WebhookResponse. Each method adds one thing; `build()` returns plain JSON holding only
 * what CX acts on. Pass the request to let `invalidate` keep each parameter's `required` flag.
 */
export class ResponseBuilder {
  private readonly messages: ResponseMessage[] = [];
  private merge?: MergeBehavior;
  private params?: Record<string, JsonValue>;
  private readonly invalid: ResponseParameterInfo[] = [];
  private webhookPayload?: JsonObject;
  private transition?: { targetPage: string } | { targetFlow: string };

  constructor(private readonly request?: WebhookRequest) {}

  /** A text message; with several variants CX picks one at random. */
  text(first: string, ...variants: string[]): this {
    return this.add({ text: { text: [first, ...variants] } });
  }

  /** Speech for voice channels, as SSML. */
  ssml(ssml: string): this {
    return this.add({ outputAudioText: { ssml } });
  }

  /** Plays an audio file (`gs://` or https URI) on voice channels. */
  audio(audioUri: string): this {
    return this.add({ playAudio: { audioUri } });
  }

  /** A custom or channel-specific message payload (e.g. rich content). */
  customPayload(payload: JsonObject, channel?: string): this {
    return this.add(channel ? { payload, channel } : { payload });
  }

  /** Hands the conversation to a human agent; metadata goes to the live-agent system. */
  handoff(metadata: JsonObject = {}): this {
    return this.add({ liveAgentHandoff: { metadata } });
  }

  /** Marks the conversation as successful for analytics. */
  success(metadata: JsonObject = {}): this {
    return this.add({ conversationSuccess: { metadata } });
  }

  /** Transfers a phone call to an E.164 number. */
  transferCall(phoneNumber: string): this {
    if (!/^\+[1-9]\d{1,14}$/.test(phoneNumber)) {
      throw new TypeError('transferCall: the phone number must be E.164, like +15551234567');
    }
    return this.add({ telephonyTransferCall: { phoneNumber } });
  }

  /** Replace the messages CX has queued for this turn instead of appending to them. */
  replaceQueuedMessages(): this {
    this.merge = 'REPLACE';
    return this;
  }

  /** Append to the queued messages (CX's default, stated explicitly). */
  appendToQueuedMessages(): this {
    this.merge = 'APPEND';
    return this;
  }

  /** Creates or updates session parameters. Send only the keys you change: CX keeps the rest. */
  setParams(params: Record<string, JsonValue>): this {
    this.params = { ...this.params, ...params };
    return this;
  }

  /** Deletes session parameters (CX removes a parameter set to null). */
  deleteParams(...names: string[]): this {
    return this.setParams(Object.fromEntries(names.map((n) => [n, null])));
  }

  /**
   * Rejects a form parameter: CX fires `sys.invalid-parameter` and, since the value is also
   * cleared from the session, prompts for it again.
   */
  invalidate(displayName: string): this {
    const sent = this.request?.pageInfo?.formInfo?.parameterInfo?.find(
      (p) => p.displayName === displayName,
    );
    // An omitted `required` reads as false; keep the form's own flag, or required when unknown.
    this.invalid.push({ displayName, required: sent?.required ?? true, state: 'INVALID' });
    return this.deleteParams(displayName);
  }

  /** Moves the session to a page (a full resource name; see pageInCurrentFlow). */
  goToPage(page: string): this {
    if (!PAGE_NAME.test(page)) {
      throw new TypeError('goToPage: not a page resource name (see pageInCurrentFlow)');
    }
    return this.setTransition({ targetPage: page });
  }

  /** Moves the session to another flow's start page (a full resource name). */
  goToFlow(flow: string): this {
    if (!FLOW_NAME.test(flow)) {
      throw new TypeError('goToFlow: not a flow resource name (see flowInCurrentAgent)');
    }
    return this.setTransition({ targetFlow: flow });
  }

  /** Data for the API caller, returned in `queryResult.webhookPayloads`. */
  payload(payload: JsonObject): this {
    this.webhookPayload = payload;
    return this;
  }

  build(): WebhookResponse {
    const res: WebhookResponse = { ...this.transition };
    if (this.messages.length > 0 || this.merge) {
      res.fulfillmentResponse = {};
      if (this.messages.length > 0) res.fulfillmentResponse.messages = [...this.messages];
      if (this.merge) res.fulfillmentResponse.mergeBehavior = this.merge;
    }
    if (this.invalid.length > 0) res.pageInfo = { formInfo: { parameterInfo: [...this.invalid] } };
    if (this.params) res.sessionInfo = { parameters: { ...this.params } };
    if (this.webhookPayload) res.payload = this.webhookPayload;
    return res;
  }

  private add(message: ResponseMessage): this {
    this.messages.push(message);
    return this;
  }

  private setTransition(transition: { targetPage: string } | { targetFlow: string }): this {
    if (this.transition) throw new TypeError('a response can transition to one page or flow only');
    this.transition = transition;
    return this;
  }
}

/** Starts a response; pass the request when the response refers to its form or page. */
export const reply = (request?: WebhookRequest): ResponseBuilder => new ResponseBuilder(request);
