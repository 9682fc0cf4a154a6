// The kit's public surface, for code that builds on the service rather than editing it.
export { createApp, type AppOptions } from './app';
export type { AuthStrategy, Admission } from './auth/strategy';
export { ConfigError, loadConfig, type AuthStrategyName, type ServiceConfig } from './config';
export { createLogger, flushLogs, type Logger, type LogLevel } from './logging';
export { MAX_RESPONSE_BYTES } from './protocol/core';
export { DependencyUnavailableError, WebhookError, type ErrorStatus } from './protocol/errors';
export type { Caller, HandlerContext, WebhookHandler } from './protocol/handler';
export type * from './protocol/types';
export { flowInCurrentAgent, pageInCurrentFlow, reply, ResponseBuilder } from './responses';
export { createWebhookServer, drain, serve } from './server';
export type { DrainOptions, ServeOptions, ServerLimits } from './server';
