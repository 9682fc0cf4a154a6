import { create as createDomain } from 'node:domain';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { contextOf, failRequest } from './http/request';
import type { Logger } from './logging';
import { errorEvent, type ServiceContext } from './protocol/errorEvent';
import { WebhookError } from './protocol/errors';

/**
 * The app as a Functions Framework HTTP function. The framework answers a fault in a request's
 * domain (a callback's throw, a rejection nobody handles) with a text 500 carrying the error's
 * message; a domain nested in its own takes such faults first: one Error Reporting line and the
 * contract's JSON 500. (Domains are deprecated, but they are what the framework relies on.)
 */
export function forFunctionsFramework(
  app: RequestListener,
  logger: Logger,
  serviceContext?: ServiceContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    contextOf(req);
    const domain = createDomain();
    domain.on('error', (error: unknown) => {
      const event = errorEvent(error, serviceContext);
      logger.error({ ...event.fields, fault: 'handler fault during a request' }, event.message);
      failRequest(req, new WebhookError(500, 'the handler failed'));
    });
    domain.run(() => app(req, res));
  };
}
