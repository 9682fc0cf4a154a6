// Stands in for iconv-lite in the deployed bundle. Express pulls it in through body-parser for
// request charsets other than UTF-8; the service reads bodies itself and accepts UTF-8 only, so the
// 480 KiB of code pages would only slow the cold start. Anything but UTF-8 fails loudly.
'use strict';

const isUtf8 = (encoding) => /^utf-?8$/i.test(String(encoding));

function utf8Only(encoding) {
  if (isUtf8(encoding)) return;
  const error = new Error(`encoding "${encoding}" is not bundled; the webhook accepts UTF-8 only`);
  error.type = 'encoding.unsupported';
  throw error;
}

module.exports = {
  encodingExists: isUtf8,
  decode(buffer, encoding) {
    utf8Only(encoding);
    return Buffer.from(buffer).toString('utf8');
  },
  encode(text, encoding) {
    utf8Only(encoding);
    return Buffer.from(String(text), 'utf8');
  },
  getDecoder(encoding) {
    utf8Only(encoding);
    const { StringDecoder } = require('node:string_decoder');
    return new StringDecoder('utf8');
  },
};
