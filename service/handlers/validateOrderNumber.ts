import type { WebhookHandler } from '../protocol/handler';
import { reply } from '../responses';

export const ORDER_PARAM = 'order_number';
const ORDER_NUMBER = /^\d{6}$/;

/**
 * An order number as CX may send it: text, or a number (a `@sys.number` parameter arrives as
 * 123456, as does the simulator's `--param order_number=123456`). Undefined for anything else.
 */
export function orderNumberText(value: unknown): string | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 ? String(value) : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return text === '' ? undefined : text;
}

/**
 * Tag `validate-order-number`, on the page route that fires when the order number is filled
 * (`$page.params.order_number.status = "UPDATED"`): a six-digit order number is accepted
 * silently; anything else is marked INVALID and cleared, so CX prompts again.
 */
export const validateOrderNumber: WebhookHandler = (request) => {
  const param = request.pageInfo?.formInfo?.parameterInfo?.find(
    (p) => p.displayName === ORDER_PARAM,
  );
  const value = param?.value;
  if (value === undefined || value === null) return {};
  const text = orderNumberText(value) ?? '';
  if (ORDER_NUMBER.test(text))
    return reply()
      .setParams({ [ORDER_PARAM]: text })
      .build();
  return reply(request)
    .text('An order number has six digits, like 123456. What is yours?')
    .invalidate(ORDER_PARAM)
    .build();
};
