/** A stack config value the program refuses; the message names the key and the fix. */
export class StageConfigError extends Error {
  constructor(key: string, message: string) {
    super(`cx-webhook-kit:${key} ${message}`);
    this.name = 'StageConfigError';
  }
}
