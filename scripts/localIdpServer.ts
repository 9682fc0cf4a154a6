// Serves the public half of the local signing key in Google's certs format, so the service can run
// in id-token mode on this machine (see README, "Try id-token locally").
//   npm run local-idp -- [--port 8081] [--key .local/idp/key.pem]
import { parseArgs } from 'node:util';
import { loadOrCreateKey, startCertsServer } from './localIdp';
import { DEFAULT_KEY } from './simulate';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8081' },
    key: { type: 'string', default: DEFAULT_KEY },
  },
});
const key = loadOrCreateKey(values.key);
void startCertsServer([key], Number(values.port)).then((server) => {
  console.log(
    `local certs for kid ${key.kid} at ${server.url} (key: ${values.key}); Ctrl-C to stop`,
  );
});
