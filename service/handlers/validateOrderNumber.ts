import type { WebhookHandler } from '../protocol/handler';
import { reply } from '../responses';

export const ORDER_PARAM = 'order_number';
const ORDER_NUMBER = /^\d{6}$/;

/**
 * Tag `validate-order-number`, on the form's parameter fulfillment: a six-digit order number is
 * accepted silently; anything else is marked INVALID and cleared, so CX prompts again.
 */
export const validateOrderNumber: WebhookHandler = (request) => {
  const param = request.pageInfo?.formInfo?.parameterInfo?.find(
    (p) => p.displayName === ORDER_PARAM,
  );
  const value = param?.value;
  if (value === undefined || value === null) return {};
  const text =
    typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (ORDER_NUMBER.test(text))
    return reply()
      .setParams({ [ORDER_PARAM]: text })
      .build();
  return reply(request)
    .text('An order number has six digits, like 123456. What is yours?')
    .invalidate(ORDER_PARAM)
    .build();
};
