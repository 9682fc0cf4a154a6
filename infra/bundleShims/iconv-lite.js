// Stands in for iconv-lite in the deployed bundle. Express pulls it in through body-parser for
// request charsets other than UTF-8; the service reads bodies itself and accepts UTF-8 only, so the
// 480 KiB of code pages would only slow the cold start. Anything but UTF-8 fails loudly.
'use strict';

const UTF8 = /^utf-?8$/i;

function unsupported(encoding) {
  const error = new Error(`encoding "${encoding}" is not bundled; the webhook accepts UTF-8 only`);
  error.type = 'encoding.unsupported';
  return error;
}

module.exports = {
  encodingExists: (encoding) => UTF8.test(String(encoding)),
  decode(buffer, encoding) {
    if (!UTF8.test(String(encoding))) throw unsupported(encoding);
    return Buffer.from(buffer).toString('utf8');
  },
  encode(text, encoding) {
    if (!UTF8.test(String(encoding))) throw unsupported(encoding);
    return Buffer.from(String(text), 'utf8');
  },
  getDecoder(encoding) {
    if (!UTF8.test(String(encoding))) throw unsupported(encoding);
    const { StringDecoder } = require('node:string_decoder');
    const decoder = new StringDecoder('utf8');
    return { write: (chunk) => decoder.write(chunk), end: () => decoder.end() };
  },
};
