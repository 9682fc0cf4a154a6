// Stands in for mime-db (150 KiB) in the deployed bundle: the service only ever names these types,
// through Express's res.type() and req.is(). Anything else resolves to no type rather than a wrong one.
'use strict';

module.exports = {
  'application/json': {
    source: 'iana',
    charset: 'UTF-8',
    compressible: true,
    extensions: ['json'],
  },
  'application/octet-stream': { source: 'iana', compressible: false, extensions: ['bin'] },
  'text/html': { source: 'iana', compressible: true, extensions: ['html', 'htm'] },
  'text/plain': { source: 'iana', compressible: true, extensions: ['txt', 'text'] },
};
