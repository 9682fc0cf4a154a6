import { ConfigError, loadConfig, type ServiceConfig } from './config';
import { composeHandlers } from './composition';
import { serve } from './server';

function configOrExit(): ServiceConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`cx-webhook: configuration error: ${error.message}`);
    process.exit(1);
  }
}

const config = configOrExit();
serve({
  ...config,
  ...composeHandlers(),
  // Deployed (K_SERVICE set) the platform routes to every interface; locally, stay on loopback.
  host: process.env.K_SERVICE ? undefined : '127.0.0.1',
});
