import { create as createDomain } from 'node:domain';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { contextOf, failRequest } from './http/request';
import type { Logger } from './logging';
import { errorEvent, type ServiceContext } from './protocol/errorEvent';
import { WebhookError } from './protocol/errors';

/**
 * The app as a Functions Framework HTTP function. The framework runs each request in a domain of
 * its own and answers a fault there (a throw from a callback, a rejection nobody handles) with a
 * text 500 carrying the error's message, caller data included. Each request here runs in a domain
 * nested in the framework's, which takes such faults first: one Error Reporting line, and the
 * request, if still running, answered with the contract's JSON 500. (Domains are deprecated but
 * are what the framework itself relies on; nothing else in the service uses them.)
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
